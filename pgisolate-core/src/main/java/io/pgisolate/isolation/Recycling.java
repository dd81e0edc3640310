package io.pgisolate.isolation;

import java.util.Locale;

/**
 * When a TRANSACTION worker is replaced by a freshly initialised one. Every row a test writes stays
 * behind as a dead tuple after the rollback, and the heap grows. The worker's tables are committed,
 * so a VACUUM could clean them, but autovacuum is not told: a backend reports its table statistics
 * only when idle outside a transaction (PostgreSQL's postgres.c), and a worker is always inside its
 * transaction. Tests that find their rows through an index hardly notice; tests that scan a table
 * (a sequential scan, {@code count(*)}, a small table the planner does not index) read every dead
 * page left by every earlier test, so they get slower and slower (on the benchmark schema, a {@code
 * count(*)} went from 2 ms to 20 ms per test over 6,000 tests, until autovacuum, started by
 * something else, happened to vacuum the table). A new worker starts from clean tables, but costs
 * an initialisation.
 *
 * <ul>
 *   <li>{@link #whenSlower()} (the default) is rent-or-buy: a worker measures how long its own
 *       initialisation took and the mean time of its first tests (after a few warm-up tests), then
 *       adds up, test by test, how much longer than that mean (plus {@value #TOLERANCE_PERCENT}%)
 *       each test took, less how much shorter, keeping at most one initialisation's worth of
 *       credit. When the sum reaches its initialisation time (the slowdown has cost as much as
 *       starting afresh), the worker is replaced. A workload whose tests do not slow down never
 *       pays for a replacement (an unusually slow test is paid for by the faster ones); one whose
 *       tests keep slowing down pays a small multiple of the optimum.
 *   <li>{@link #afterTests(int)}: after a fixed number of tests.
 *   <li>{@link #never()}: a worker lives until the runner closes (or a test breaks it).
 * </ul>
 *
 * The replacement initialises in the background while the old worker goes on serving tests; when it
 * is ready it takes the old worker's place, and the old connection is closed (rolling back its
 * transaction). Tests never wait for it.
 */
public final class Recycling {
  /** Tests on a fresh worker that do not count (plans and caches are still cold). */
  static final int WARM_UP_TESTS = 10;

  /** Tests whose mean time is the worker's baseline. */
  static final int BASELINE_TESTS = 50;

  /** How much slower than the baseline a test may be before it counts as slowed down. */
  static final int TOLERANCE_PERCENT = 10;

  private static final Recycling NEVER = new Recycling(-1);
  private static final Recycling WHEN_SLOWER = new Recycling(0);

  /** -1: never; 0: when slower; n: after n tests. */
  private final int afterTests;

  private Recycling(int afterTests) {
    this.afterTests = afterTests;
  }

  /** Replaces a worker once its tests' slowdown has cost as much as its initialisation. */
  public static Recycling whenSlower() {
    return WHEN_SLOWER;
  }

  /** Replaces a worker after it ran {@code tests} tests. */
  public static Recycling afterTests(int tests) {
    if (tests < 1) {
      throw new IllegalArgumentException(
          "invalid recycling after '" + tests + "' tests: at least 1.");
    }
    return new Recycling(tests);
  }

  /** Never replaces a worker (except after a test broke or threw). */
  public static Recycling never() {
    return NEVER;
  }

  /**
   * Parses {@code auto} ({@link #whenSlower()}), {@code never}, or a number of tests ({@link
   * #afterTests(int)}), as in {@code pgisolate.transaction.recycle}.
   *
   * @throws IllegalArgumentException naming the value and what is accepted
   */
  public static Recycling parse(String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    switch (v) {
      case "auto" -> {
        return whenSlower();
      }
      case "never" -> {
        return never();
      }
      default -> {
        try {
          return afterTests(Integer.parseInt(v));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "invalid recycling '"
                  + value
                  + "': expected auto, never, or a number of tests (at least 1).");
        }
      }
    }
  }

  /** A worker's meter, started when it finished initialising, which took {@code initNanos}. */
  Meter start(long initNanos) {
    return new Meter(initNanos);
  }

  @Override
  public String toString() {
    return afterTests < 0 ? "never" : afterTests == 0 ? "auto" : "after " + afterTests + " tests";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Recycling r && r.afterTests == afterTests;
  }

  @Override
  public int hashCode() {
    return afterTests;
  }

  /** One worker's tests so far. Used by one test at a time (the worker's). */
  final class Meter {
    private final long initNanos;
    private int tests;
    private long baselineSum;
    private long excess;

    private Meter(long initNanos) {
      this.initNanos = initNanos;
    }

    /** Records a test that held the worker for {@code nanos}; true when the worker is due. */
    boolean tested(long nanos) {
      tests++;
      if (afterTests != 0) {
        return afterTests > 0 && tests >= afterTests;
      }
      int measured = tests - WARM_UP_TESTS;
      if (measured <= 0) {
        return false;
      }
      if (measured <= BASELINE_TESTS) {
        baselineSum += nanos;
        return false;
      }
      long allowed = baselineSum / BASELINE_TESTS * (100 + TOLERANCE_PERCENT) / 100;
      // Faster tests earn credit against slow ones, but no more than one initialisation's worth:
      // a long quiet spell must not hide a slowdown that comes later.
      excess = Math.max(-initNanos, excess + nanos - allowed);
      return excess >= initNanos;
    }

    /** How many tests the worker ran. */
    int tests() {
      return tests;
    }
  }
}
