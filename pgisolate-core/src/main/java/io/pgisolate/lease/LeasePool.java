package io.pgisolate.lease;

import io.pgisolate.PgIsolateException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exclusive leases on a fixed set of database names, {@code {prefix}0 … {prefix}{count−1}}.
 *
 * <p>Free databases are handed out round-robin, as pgmanager does: the next lease takes the
 * database that has been free longest (pgmanager pops the front of a queue and pushes released
 * names at the back). When none is free, requests wait in arrival order and a released database
 * goes straight to the oldest waiter, on the releasing thread: there is no polling.
 *
 * <p>Thread-safe. Grant callbacks run outside the pool's lock, on the thread that requested (a
 * database was free) or on the thread that released (the request had waited); they must be quick
 * and must not throw.
 */
public final class LeasePool {
  private static final Logger LOG = LoggerFactory.getLogger(LeasePool.class);

  private final String prefix;
  private final List<String> names;
  private final LongSupplier clock;
  private final LeaseGate gate; // null: this server alone decides
  private final Recycler recycler; // null: a released database is free at once
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  // Guarded by lock: holders[i] is the live lease of database i, or null when it is free, in which
  // case i is in free exactly once. waiting is non-empty only while free is empty.
  private final Lease[] holders;
  private final ArrayDeque<Integer> free = new ArrayDeque<>();
  private final ArrayDeque<Request> waiting = new ArrayDeque<>();
  private final java.util.TreeSet<Integer> recycling = new java.util.TreeSet<>();
  private int leased;
  private int peakLeased;
  private long grants;
  private long totalWaitNanos;

  public LeasePool(String prefix, int count) {
    this(prefix, count, System::nanoTime, null);
  }

  /** A pool on an explicit clock ({@link System#nanoTime()} in production), for tests. */
  public LeasePool(String prefix, int count, LongSupplier clock) {
    this(prefix, count, clock, null);
  }

  /**
   * A pool shared with other servers through {@code gate} (see {@link LeaseGate}); {@code gate} may
   * be null.
   */
  public LeasePool(String prefix, int count, LongSupplier clock, LeaseGate gate) {
    this(prefix, count, clock, gate, null);
  }

  /**
   * A pool whose released databases go through {@code recycler} (e.g. a reset from a template)
   * before they are leased again; {@code gate} and {@code recycler} may be null.
   */
  public LeasePool(
      String prefix, int count, LongSupplier clock, LeaseGate gate, Recycler recycler) {
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    this.gate = gate;
    this.recycler = recycler;
    if (count < 1) {
      throw new IllegalArgumentException("a lease pool needs at least one database, got " + count);
    }
    this.clock = clock;
    List<String> list = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      list.add(prefix + i);
      free.addLast(i);
    }
    this.names = List.copyOf(list);
    this.holders = new Lease[count];
  }

  public String prefix() {
    return prefix;
  }

  /** Every database name of the pool, in index order. */
  public List<String> names() {
    return names;
  }

  /** A request for a lease: granted at once, or waiting in line until granted or cancelled. */
  public static final class Request {
    private final String holder;
    private final Consumer<Lease> onGranted;
    private final long requestedAtNanos;
    // Guarded by the pool's lock.
    private boolean done;

    private Request(String holder, Consumer<Lease> onGranted, long requestedAtNanos) {
      this.holder = holder;
      this.onGranted = onGranted;
      this.requestedAtNanos = requestedAtNanos;
    }

    public String holder() {
      return holder;
    }

    public long requestedAtNanos() {
      return requestedAtNanos;
    }
  }

  /** Makes a released database fit to lease again; see {@link #recycled(int)}. */
  @FunctionalInterface
  public interface Recycler {
    /**
     * Starts recycling {@code released} and returns at once; the pool leases that database again
     * only after {@code done} runs (on any thread the recycler likes).
     */
    void recycle(Lease released, Runnable done);

    /**
     * Whether {@code database}, free or just recycled, may be leased as it is; when not, the pool
     * recycles it again first (e.g. its template changed since it was made). Called under the
     * pool's lock, before each grant: it must be quick.
     */
    default boolean isCurrent(String database) {
      return true;
    }
  }

  /**
   * Asks for a lease for {@code holder}. When a database is free and nobody waits, {@code
   * onGranted} runs before this returns; otherwise it runs when a database is released to this
   * request, unless {@link #cancel} took the request out of line first.
   */
  public Request request(String holder, Consumer<Lease> onGranted) {
    Objects.requireNonNull(onGranted, "onGranted");
    Lease granted;
    Request request;
    List<Integer> outOfDate = new ArrayList<>();
    lock.lock();
    try {
      request = new Request(holder, onGranted, clock.getAsLong());
      changed.signalAll();
      int index = waiting.isEmpty() ? takeFree(outOfDate) : -1;
      if (index < 0) {
        waiting.addLast(request);
        granted = null;
      } else {
        granted = grant(index, request);
      }
    } finally {
      lock.unlock();
    }
    recycleAll(outOfDate);
    if (granted != null) {
      deliver(request, granted);
    }
    return request;
  }

  /**
   * Takes a waiting request out of line. Returns false when it was already granted (its callback
   * has run or is about to run: the caller then owns a lease it must release) or cancelled.
   */
  public boolean cancel(Request request) {
    lock.lock();
    try {
      if (request.done) {
        return false;
      }
      request.done = true;
      changed.signalAll();
      return waiting.remove(request);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Gives a database back. It goes to the oldest waiter at once, or to the back of the free queue.
   *
   * @throws IllegalStateException when this lease is not live: released twice, or from another pool
   */
  public void release(Lease lease) {
    Lease next = null;
    Request nextRequest = null;
    lock.lock();
    try {
      int i = lease.index();
      if (i < 0 || i >= holders.length || holders[i] != lease) {
        throw new IllegalStateException(
            "lease of " + lease.name() + " is not live in this pool: released twice?");
      }
      holders[i] = null;
      leased--;
      changed.signalAll();
      if (recycler != null) {
        recycling.add(i);
      }
      nextRequest = recycler != null ? null : waiting.pollFirst();
      if (recycler != null) {
        // recycled below, outside the lock
      } else if (nextRequest == null) {
        free.addLast(i);
        if (gate != null) {
          gate.give(i);
        }
      } else {
        next = grant(i, nextRequest); // straight to the next in line; a gate's hold carries over
      }
    } finally {
      lock.unlock();
    }
    if (nextRequest != null) {
      deliver(nextRequest, next);
    }
    if (recycler != null) {
      int i = lease.index();
      recycler.recycle(lease, () -> recycled(i));
    }
  }

  /**
   * A database is back from its recycler: to the oldest waiter, or to the back of the queue; back
   * to the recycler when it is out of date already.
   */
  private void recycled(int index) {
    Lease next = null;
    Request nextRequest = null;
    boolean again;
    lock.lock();
    try {
      if (!recycling.contains(index)) {
        throw new IllegalStateException(names.get(index) + " came back without being recycled");
      }
      again = !recycler.isCurrent(names.get(index));
      if (!again) {
        recycling.remove(index);
        changed.signalAll();
        nextRequest = waiting.pollFirst();
        if (nextRequest == null) {
          free.addLast(index);
          if (gate != null) {
            gate.give(index);
          }
        } else {
          next = grant(index, nextRequest);
        }
      }
    } finally {
      lock.unlock();
    }
    if (again) {
      recycleAll(List.of(index));
    } else if (nextRequest != null) {
      deliver(nextRequest, next);
    }
  }

  /**
   * Sends databases taken out of the free queue as out of date (now in recycling) to the recycler.
   */
  private void recycleAll(List<Integer> outOfDate) {
    for (int index : outOfDate) {
      Lease stale = new Lease(names.get(index), index, "(out of date)", clock.getAsLong(), 0);
      recycler.recycle(stale, () -> recycled(index));
    }
  }

  /**
   * With a {@link LeaseGate}: tries again to serve waiting requests, in order, from databases the
   * gate refused before. Without one, there is nothing to retry: a no-op.
   */
  public void retryWaiters() {
    if (gate == null) {
      return;
    }
    List<Request> requests = new ArrayList<>();
    List<Lease> leases = new ArrayList<>();
    List<Integer> outOfDate = new ArrayList<>();
    lock.lock();
    try {
      while (!waiting.isEmpty()) {
        int index = takeFree(outOfDate);
        if (index < 0) {
          break;
        }
        Request request = waiting.pollFirst();
        requests.add(request);
        leases.add(grant(index, request));
      }
    } finally {
      lock.unlock();
    }
    recycleAll(outOfDate);
    for (int i = 0; i < requests.size(); i++) {
      deliver(requests.get(i), leases.get(i));
    }
  }

  /** With a {@link LeaseGate}: lets it check what it took (see {@link LeaseGate#recheck()}). */
  public void recheckGate() {
    if (gate == null) {
      return;
    }
    lock.lock();
    try {
      gate.recheck();
    } finally {
      lock.unlock();
    }
  }

  /** The gate, when the pool is shared with other servers. */
  public java.util.Optional<LeaseGate> gate() {
    return java.util.Optional.ofNullable(gate);
  }

  /**
   * Takes the first free database the gate lets go (round-robin order); -1 when none. Those the
   * recycler finds out of date on the way go to recycling and to {@code outOfDate}, for the caller
   * to hand to the recycler once the lock is released.
   */
  private int takeFree(List<Integer> outOfDate) {
    for (Iterator<Integer> it = free.iterator(); it.hasNext(); ) {
      int index = it.next();
      if (gate != null && !gate.tryTake(index)) {
        continue;
      }
      it.remove();
      if (recycler == null || recycler.isCurrent(names.get(index))) {
        return index;
      }
      recycling.add(index); // a gate's hold carries over, as for a released database
      outOfDate.add(index);
    }
    return -1;
  }

  /**
   * Blocks until a database is leased to {@code holder}, at most {@code timeout}.
   *
   * @throws PgIsolateException on timeout (the message gives the pool's state) or interruption
   */
  public Lease acquire(String holder, Duration timeout) {
    CompletableFuture<Lease> future = new CompletableFuture<>();
    Request request = request(holder, future::complete);
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      if (!cancel(request)) {
        return future.join(); // granted while we timed out: keep it rather than lose it
      }
      Snapshot s = snapshot();
      throw new PgIsolateException(
          "timed out after "
              + timeout.toMillis()
              + " ms waiting for a database of pool '"
              + prefix
              + "' (total="
              + names.size()
              + ", leased="
              + s.leased().size()
              + ", free="
              + s.free().size()
              + ", waiting="
              + s.waiting().size()
              + "). Hint: a holder keeps its lease too long, or the pool is too small.");
    } catch (InterruptedException e) {
      if (!cancel(request)) {
        release(future.join());
      }
      Thread.currentThread().interrupt();
      throw new PgIsolateException("interrupted while waiting for a database of " + prefix, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Waits until {@code condition} holds for the pool's state, at most {@code timeout}; true when it
   * does. Woken by every change, so it needs no polling (tests wait for "all released" with it).
   */
  public boolean awaitState(Predicate<Snapshot> condition, Duration timeout)
      throws InterruptedException {
    long left = timeout.toNanos();
    lock.lock();
    try {
      while (!condition.test(snapshot())) {
        if (left <= 0) {
          return false;
        }
        left = changed.awaitNanos(left);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Who holds what, what is free (in hand-out order), who waits (in arrival order), and what is
   * being recycled.
   */
  public record Snapshot(
      List<Lease> leased, List<String> free, List<Request> waiting, List<String> recycling) {}

  public Snapshot snapshot() {
    lock.lock();
    try {
      List<Lease> held = new ArrayList<>();
      for (Lease l : holders) {
        if (l != null) {
          held.add(l);
        }
      }
      List<String> freeNames = new ArrayList<>(free.size());
      for (int i : free) {
        freeNames.add(names.get(i));
      }
      List<String> recyclingNames = new ArrayList<>(recycling.size());
      for (int i : recycling) {
        recyclingNames.add(names.get(i));
      }
      return new Snapshot(
          List.copyOf(held),
          List.copyOf(freeNames),
          List.copyOf(waiting),
          List.copyOf(recyclingNames));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Usage so far.
   *
   * @param peakLeased the most databases leased at once
   * @param grants leases granted
   * @param totalWaitNanos the time granted requests spent waiting, summed
   */
  public record Stats(int peakLeased, long grants, long totalWaitNanos) {}

  public Stats stats() {
    lock.lock();
    try {
      return new Stats(peakLeased, grants, totalWaitNanos);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Checks the pool's bookkeeping: each database is either free (once) or held (by one lease), and
   * nobody waits while a database is free. For tests; throws IllegalStateException on a breach.
   */
  public void checkInvariant() {
    lock.lock();
    try {
      boolean[] seen = new boolean[holders.length];
      for (int i : free) {
        if (seen[i] || holders[i] != null) {
          throw new IllegalStateException(names.get(i) + " is free twice, or free and leased");
        }
        seen[i] = true;
      }
      for (int i : recycling) {
        if (seen[i] || holders[i] != null) {
          throw new IllegalStateException(names.get(i) + " is recycled and free or leased");
        }
        seen[i] = true;
      }
      int held = 0;
      for (int i = 0; i < holders.length; i++) {
        if (holders[i] != null) {
          held++;
          seen[i] = true;
        }
        if (!seen[i]) {
          throw new IllegalStateException(
              names.get(i) + " is lost: neither free, leased nor recycled");
        }
      }
      if (held != leased) {
        throw new IllegalStateException("leased count " + leased + " but " + held + " held");
      }
      if (gate == null && !free.isEmpty() && !waiting.isEmpty()) {
        // (with a gate, waiters may wait for databases other servers hold)
        throw new IllegalStateException("requests wait while databases are free");
      }
    } finally {
      lock.unlock();
    }
  }

  private Lease grant(int index, Request request) {
    if (holders[index] != null) {
      // Cannot happen by construction; checked because handing a database out twice is the one
      // failure this class exists to prevent.
      throw new IllegalStateException(names.get(index) + " is leased already");
    }
    long now = clock.getAsLong();
    long waited = Math.max(0, now - request.requestedAtNanos);
    Lease lease = new Lease(names.get(index), index, request.holder, now, waited);
    holders[index] = lease;
    request.done = true;
    leased++;
    peakLeased = Math.max(peakLeased, leased);
    grants++;
    totalWaitNanos += waited;
    return lease;
  }

  private static void deliver(Request request, Lease lease) {
    try {
      request.onGranted.accept(lease);
    } catch (RuntimeException e) {
      // The callback owns the lease now; a failing callback must release it itself.
      LOG.error("lease callback for {} failed", lease.name(), e);
    }
  }
}
