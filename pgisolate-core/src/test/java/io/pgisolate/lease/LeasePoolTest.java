package io.pgisolate.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.PgIsolateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LeasePoolTest {
  private final AtomicLong now = new AtomicLong();

  @Test
  void namesArePrefixPlusIndex() {
    LeasePool pool = new LeasePool("app_test", 3);
    assertThat(pool.names()).containsExactly("app_test0", "app_test1", "app_test2");
  }

  @Test
  void handsOutRoundRobinLikePgmanager() {
    LeasePool pool = new LeasePool("db", 3);
    Lease a = pool.acquire("a", Duration.ZERO);
    Lease b = pool.acquire("b", Duration.ZERO);
    assertThat(List.of(a.name(), b.name())).containsExactly("db0", "db1");
    pool.release(a);
    // db0 went to the back of the queue: db2 has been free longer.
    assertThat(pool.acquire("c", Duration.ZERO).name()).isEqualTo("db2");
    assertThat(pool.acquire("d", Duration.ZERO).name()).isEqualTo("db0");
  }

  @Test
  void waitersAreServedInArrivalOrderTheMomentADatabaseIsReleased() {
    LeasePool pool = new LeasePool("db", 1, now::get);
    Lease held = pool.acquire("holder", Duration.ZERO);
    List<String> grantedTo = new ArrayList<>();
    AtomicReference<Lease> first = new AtomicReference<>();
    now.set(100);
    pool.request(
        "first",
        l -> {
          grantedTo.add(l.holder());
          first.set(l);
        });
    now.set(200);
    pool.request("second", l -> grantedTo.add(l.holder()));
    assertThat(grantedTo).isEmpty();

    now.set(1_000);
    pool.release(held); // the callback runs on this thread, before release returns
    assertThat(grantedTo).containsExactly("first");
    assertThat(first.get().waitedNanos()).isEqualTo(900);
    pool.release(first.get());
    assertThat(grantedTo).containsExactly("first", "second");
    assertThat(pool.stats().totalWaitNanos()).isEqualTo(900 + 800);
    assertThat(pool.stats().peakLeased()).isEqualTo(1);
    pool.checkInvariant();
  }

  @Test
  void aCancelledWaiterGetsNothing() {
    LeasePool pool = new LeasePool("db", 1);
    Lease held = pool.acquire("holder", Duration.ZERO);
    LeasePool.Request gone =
        pool.request(
            "gone",
            l -> {
              throw new AssertionError("cancelled request was granted");
            });
    assertThat(pool.cancel(gone)).isTrue();
    assertThat(pool.cancel(gone)).isFalse();
    pool.release(held);
    assertThat(pool.snapshot().free()).containsExactly("db0");
    pool.checkInvariant();
  }

  @Test
  void releasingTwiceIsRefused() {
    LeasePool pool = new LeasePool("db", 1);
    Lease lease = pool.acquire("a", Duration.ZERO);
    pool.release(lease);
    Lease again = pool.acquire("b", Duration.ZERO);
    assertThatThrownBy(() -> pool.release(lease))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("lease of db0 is not live in this pool: released twice?");
    assertThat(pool.snapshot().leased()).containsExactly(again);
  }

  @Test
  void timeoutMessageSaysWhatWasAwaitedAndThePoolState() {
    LeasePool pool = new LeasePool("app_", 2);
    pool.acquire("a", Duration.ZERO);
    pool.acquire("b", Duration.ZERO);
    assertThatThrownBy(() -> pool.acquire("c", Duration.ofMillis(20)))
        .isInstanceOf(PgIsolateException.class)
        .hasMessage(
            "timed out after 20 ms waiting for a database of pool 'app_' (total=2, leased=2,"
                + " free=0, waiting=0). Hint: a holder keeps its lease too long, or the pool is"
                + " too small.");
    pool.checkInvariant();
  }

  /** A gate whose "other servers" hold the databases in {@code elsewhere}. */
  static final class FakeGate implements LeaseGate {
    final Set<Integer> elsewhere = ConcurrentHashMap.newKeySet();
    final Set<Integer> taken = ConcurrentHashMap.newKeySet();

    @Override
    public boolean tryTake(int index) {
      return !elsewhere.contains(index) && taken.add(index);
    }

    @Override
    public void give(int index) {
      taken.remove(index);
    }

    @Override
    public Duration retryInterval() {
      return Duration.ofMillis(1);
    }

    @Override
    public void close() {}
  }

  @Test
  void aGateSkipsDatabasesHeldElsewhereAndWaitersRetry() {
    FakeGate gate = new FakeGate();
    gate.elsewhere.add(0);
    LeasePool pool = new LeasePool("db", 2, System::nanoTime, gate);
    Lease first = pool.acquire("a", Duration.ZERO);
    assertThat(first.name()).isEqualTo("db1");
    List<String> later = new ArrayList<>();
    pool.request("b", l -> later.add(l.name()));
    pool.retryWaiters();
    assertThat(later).isEmpty(); // db0 is still another server's
    gate.elsewhere.clear();
    pool.retryWaiters();
    assertThat(later).containsExactly("db0");
    pool.release(first);
    assertThat(gate.taken).containsExactly(0); // db1 went back to the other servers
    pool.checkInvariant();
  }

  @Test
  void aRecycledDatabaseIsLeasedAgainOnlyOnceItIsBack() {
    List<Runnable> backs = new ArrayList<>();
    LeasePool pool =
        new LeasePool("db", 1, System::nanoTime, null, (lease, done) -> backs.add(done));
    Lease first = pool.acquire("a", Duration.ZERO);
    List<String> later = new ArrayList<>();
    pool.request("b", l -> later.add(l.name()));
    pool.release(first);
    assertThat(later).isEmpty(); // being reset: not handed to the waiter yet
    assertThat(pool.snapshot().recycling()).containsExactly("db0");
    pool.checkInvariant();
    backs.get(0).run();
    assertThat(later).containsExactly("db0");
    assertThat(pool.snapshot().recycling()).isEmpty();
    pool.checkInvariant();
  }

  /** A recycler that says which databases are out of date, and keeps their "done"s to run. */
  static final class Outdating implements LeasePool.Recycler {
    final Set<String> outOfDate = ConcurrentHashMap.newKeySet();
    final List<String> recycled = new ArrayList<>();
    final List<Runnable> backs = new ArrayList<>();

    @Override
    public void recycle(Lease released, Runnable done) {
      recycled.add(released.name());
      backs.add(done);
    }

    @Override
    public boolean isCurrent(String database) {
      return !outOfDate.contains(database);
    }

    /** Runs the pending "done"s, as if every reset made an up-to-date database. */
    void finishAll() {
      List<Runnable> pending = new ArrayList<>(backs);
      backs.clear();
      outOfDate.clear();
      pending.forEach(Runnable::run);
    }
  }

  @Test
  void freeDatabasesThatAreOutOfDateAreRecycledBeforeTheyAreLeased() {
    Outdating recycler = new Outdating();
    LeasePool pool = new LeasePool("db", 3, System::nanoTime, null, recycler);
    recycler.outOfDate.addAll(List.of("db0", "db1"));
    List<String> granted = new ArrayList<>();
    pool.request("a", l -> granted.add(l.name()));
    assertThat(granted).as("db2 is up to date").containsExactly("db2");
    assertThat(recycler.recycled).containsExactly("db0", "db1");
    assertThat(pool.snapshot().recycling()).containsExactly("db0", "db1");
    pool.checkInvariant();
    pool.request("b", l -> granted.add(l.name()));
    assertThat(granted).as("waits for a reset").hasSize(1);
    recycler.finishAll();
    assertThat(granted).containsExactly("db2", "db0");
    assertThat(pool.snapshot().free()).containsExactly("db1");
    pool.checkInvariant();
  }

  @Test
  void aDatabaseOutOfDateWhenItComesBackFromItsResetIsResetAgain() {
    Outdating recycler = new Outdating();
    LeasePool pool = new LeasePool("db", 1, System::nanoTime, null, recycler);
    pool.release(pool.acquire("a", Duration.ZERO));
    List<String> granted = new ArrayList<>();
    pool.request("b", l -> granted.add(l.name()));
    recycler.outOfDate.add("db0"); // the template changed while it was being reset
    Runnable back = recycler.backs.remove(0);
    back.run();
    assertThat(granted).isEmpty();
    assertThat(recycler.recycled).containsExactly("db0", "db0");
    assertThat(pool.snapshot().recycling()).containsExactly("db0");
    pool.checkInvariant();
    recycler.finishAll();
    assertThat(granted).containsExactly("db0");
    pool.checkInvariant();
  }

  @Test
  void rejectsAnEmptyPool() {
    assertThatThrownBy(() -> new LeasePool("db", 0))
        .hasMessage("a lease pool needs at least one database, got 0");
  }

  /**
   * The invariant under a storm: 16 threads lease, hold briefly, release, and sometimes give up
   * waiting, on a pool of 4. No database is ever held by two threads, none is lost.
   */
  @Test
  void stormNeverHandsOutADatabaseTwiceAndLosesNone() throws Exception {
    LeasePool pool = new LeasePool("db", 4);
    Set<String> inUse = ConcurrentHashMap.newKeySet();
    AtomicLong doubles = new AtomicLong();
    AtomicLong leases = new AtomicLong();
    int threads = 16;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            executor.submit(
                () -> {
                  start.await();
                  ThreadLocalRandom random = ThreadLocalRandom.current();
                  for (int i = 0; i < 2_000; i++) {
                    Lease lease;
                    try {
                      // Short timeouts make some requests give up: cancel races grant.
                      lease =
                          pool.acquire(
                              Thread.currentThread().getName(),
                              Duration.ofNanos(random.nextInt(1, 200_000)));
                    } catch (PgIsolateException timedOut) {
                      continue;
                    }
                    if (!inUse.add(lease.name())) {
                      doubles.incrementAndGet();
                    }
                    leases.incrementAndGet();
                    if (random.nextInt(8) == 0) {
                      Thread.yield();
                    }
                    inUse.remove(lease.name());
                    pool.release(lease);
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      executor.shutdownNow();
    }
    assertThat(doubles.get()).isZero();
    assertThat(leases.get()).isPositive();
    pool.checkInvariant();
    LeasePool.Snapshot end = pool.snapshot();
    assertThat(end.leased()).isEmpty();
    assertThat(end.waiting()).isEmpty();
    assertThat(end.free()).containsExactlyInAnyOrderElementsOf(pool.names());
    assertThat(pool.stats().grants()).isEqualTo(leases.get());
  }
}
