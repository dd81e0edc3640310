package io.pgisolate.isolation;

import java.util.Arrays;
import java.util.Locale;

/**
 * When a TRANSACTION worker's tables are vacuumed, and when the worker is replaced by a freshly
 * initialised one. Every row a test writes stays behind as a dead tuple after the rollback, and the
 * heap grows. The worker's tables are committed, so a VACUUM could clean them, but autovacuum is
 * not told: a backend reports its table statistics only when idle outside a transaction
 * (PostgreSQL's postgres.c), and a worker is always inside its transaction. Tests that find their
 * rows through an index hardly notice; tests that scan a table (a sequential scan, {@code
 * count(*)}, a small table the planner does not index) read every dead page left by every earlier
 * test, so they get slower and slower (on the benchmark schema, a {@code count(*)} went from 2 ms
 * to 20 ms per test over 6,000 tests, until autovacuum, started by something else, happened to
 * vacuum the table). A VACUUM run from another session removes those rows while the worker's
 * transaction stays open ({@link SchemaVacuum}), for the price of a background task; a new worker
 * starts from clean tables, but costs an initialisation.
 *
 * <ul>
 *   <li>{@link #whenSlower()} (the default) is rent-or-buy: a worker measures how long its own
 *       initialisation took and the mean time of its first tests (after a few warm-up tests), then
 *       adds up, test by test, how much longer than that mean (plus {@value #TOLERANCE_PERCENT}%)
 *       each test took, less how much shorter, keeping at most one initialisation's worth of
 *       credit. When the sum reaches its initialisation time (the slowdown has cost as much as
 *       starting afresh), the worker's tables are vacuumed in the background first, while its tests
 *       go on. Once the vacuum is done, the next {@value #BASELINE_TESTS} tests decide: if their
 *       median took back at least half of the slowdown (from the median of the last tests before
 *       the vacuum down to the baseline tests' median), the vacuum helped, the sum starts again
 *       from what it left (and the next time it is due, the worker is vacuumed again); otherwise
 *       the slowdown is something a vacuum does not cure (catalogue bloat, a table a test kept
 *       locked), and the worker is replaced. A workload whose tests do not slow down never pays for
 *       anything (an unusually slow test is paid for by the faster ones); one whose tests keep
 *       slowing down pays a small multiple of the optimum.
 *   <li>{@link #afterTests(int)}: replaced after a fixed number of tests, never vacuumed: a fixed
 *       count is chosen for a fresh start (sequences, statistics, everything), which a vacuum does
 *       not give.
 *   <li>{@link #never()}: a worker lives until the runner closes (or a test breaks it), and is
 *       never vacuumed: the tests run against the tables exactly as the rollbacks leave them.
 * </ul>
 *
 * The replacement initialises in the background while the old worker goes on serving tests; when it
 * is ready it takes the old worker's place, and the old connection is closed (rolling back its
 * transaction). Tests never wait for it, nor for a vacuum.
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

  /**
   * Vacuums a worker once its tests' slowdown has cost as much as its initialisation, and replaces
   * it if its tests are still slow after the vacuum.
   */
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

  /** What a worker is due for after a test. */
  enum Due {
    NOTHING,
    /** Its tables vacuumed, in the background; then {@link Meter#vacuumed()}. */
    VACUUM,
    /** A fresh worker in its place. */
    REPLACE
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

  /**
   * One worker's tests so far. Used by one test at a time (the worker's), except {@link
   * #vacuumed()}, called by the thread that vacuumed.
   */
  final class Meter {
    private final long initNanos;
    private int tests;
    private long baselineSum;
    private long excess;

    /** The baseline tests' times, then, after it, the last tests' times (a ring). */
    private final long[] baseline = new long[BASELINE_TESTS];

    private final long[] recent = new long[BASELINE_TESTS];

    /**
     * How long a test may take before it counts as slowed down: the baseline's mean plus the
     * tolerance, raised to what a vacuum left (see {@link #judgeVacuum}).
     */
    private long allowed;

    /** A vacuum was asked for and has not been judged yet. */
    private boolean vacuuming;

    /** The vacuum asked for is done. */
    private volatile boolean vacuumed;

    /** The median of the last tests before the vacuum was asked for. */
    private long slowed;

    /** Tests measured since the vacuum was done, -1 when not judging one; and their times. */
    private int judged = -1;

    private final long[] judgedNanos = new long[BASELINE_TESTS];

    private Meter(long initNanos) {
      this.initNanos = initNanos;
    }

    /** Records a test that held the worker for {@code nanos}; says what the worker is due for. */
    Due tested(long nanos) {
      tests++;
      if (afterTests != 0) {
        return afterTests > 0 && tests >= afterTests ? Due.REPLACE : Due.NOTHING;
      }
      int measured = tests - WARM_UP_TESTS;
      if (measured <= 0) {
        return Due.NOTHING;
      }
      if (measured <= BASELINE_TESTS) {
        baseline[measured - 1] = nanos;
        baselineSum += nanos;
        allowed = withTolerance(baselineSum / BASELINE_TESTS);
        return Due.NOTHING;
      }
      if (vacuuming) {
        return judgeVacuum(nanos);
      }
      recent[measured % BASELINE_TESTS] = nanos;
      // Faster tests earn credit against slow ones, but no more than one initialisation's worth:
      // a long quiet spell must not hide a slowdown that comes later.
      excess = Math.max(-initNanos, excess + nanos - allowed);
      if (excess < initNanos) {
        return Due.NOTHING;
      }
      vacuuming = true;
      vacuumed = false;
      slowed = median(recent);
      return Due.VACUUM;
    }

    /**
     * While the vacuum runs, tests do not count (they still read the dead rows). After it, the next
     * {@link #BASELINE_TESTS} say whether it helped: whether it took back at least half of the
     * slowdown, from the last tests before it to the baseline. Not all of it: it leaves the pages
     * the dead rows took, empty but still read by a scan (it cannot truncate the table). Medians,
     * not means: one test held up by the machine must not decide. When it helped, the sum starts
     * again from what it left; else the slowdown is something a vacuum does not cure, or no longer
     * cures (what it left grew to more than what it took back), and the worker is replaced.
     */
    private Due judgeVacuum(long nanos) {
      if (judged < 0) {
        if (vacuumed) {
          judged = 0; // from the next test: this one may have started before the vacuum ended
        }
        return Due.NOTHING;
      }
      judgedNanos[judged++] = nanos;
      if (judged < BASELINE_TESTS) {
        return Due.NOTHING;
      }
      vacuuming = false;
      judged = -1;
      long base = median(baseline);
      long after = median(judgedNanos);
      if (after - base > (slowed - base) / 2) {
        return Due.REPLACE;
      }
      excess = 0;
      allowed = Math.max(allowed, withTolerance(after));
      return Due.NOTHING;
    }

    private static long withTolerance(long nanos) {
      return nanos * (100 + TOLERANCE_PERCENT) / 100;
    }

    private static long median(long[] nanos) {
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      return sorted[sorted.length / 2];
    }

    /** The vacuum it asked for is done (or failed: the tests that follow judge it either way). */
    void vacuumed() {
      vacuumed = true;
    }

    /** How many tests the worker ran. */
    int tests() {
      return tests;
    }
  }
}
