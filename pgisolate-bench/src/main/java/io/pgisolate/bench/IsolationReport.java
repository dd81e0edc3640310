package io.pgisolate.bench;

import static io.pgisolate.bench.IsolationBench.BARE;
import static io.pgisolate.bench.IsolationBench.BODY;
import static io.pgisolate.bench.IsolationBench.BODY_TX;
import static io.pgisolate.bench.IsolationBench.DATABASE;
import static io.pgisolate.bench.IsolationBench.RAW_COPY;
import static io.pgisolate.bench.IsolationBench.RAW_NEW;
import static io.pgisolate.bench.IsolationBench.RAW_SAME;
import static io.pgisolate.bench.IsolationBench.RAW_SCHEMA;
import static io.pgisolate.bench.IsolationBench.REARM;
import static io.pgisolate.bench.IsolationBench.SCAN_AUTO;
import static io.pgisolate.bench.IsolationBench.SCAN_NEVER;
import static io.pgisolate.bench.IsolationBench.SCHEMA;
import static io.pgisolate.bench.IsolationBench.TX;
import static io.pgisolate.bench.IsolationBench.TX_NEW;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Prints what {@link IsolationBench} measured. Two figures per contender: the mean per test of each
 * block (min, median and max over the blocks: what a run of tests costs, slow ones included), and
 * the median of all its tests taken one by one ("p50 test": what a typical test costs, which a
 * burst of load from elsewhere on a shared machine hardly moves). Overheads subtract the baseline
 * block by block, and p50 from p50.
 */
final class IsolationReport {
  private static final Set<String> SCHEMA_BUILDING = Set.of(RAW_SCHEMA, RAW_COPY, SCHEMA);

  /** One contender's tests, block by block, in µs. */
  static final class Series {
    private final List<Double> blockMeans = new ArrayList<>();
    private final List<Double> tests = new ArrayList<>();

    void add(long[] nanos) {
      double sum = 0;
      for (long n : nanos) {
        tests.add(n / 1e3);
        sum += n / 1e3;
      }
      blockMeans.add(sum / nanos.length);
    }

    Figure figure() {
      return new Figure(blockMeans, median(tests));
    }
  }

  /** Block means (µs) and the typical test (µs). */
  record Figure(List<Double> blocks, double p50) {
    Figure minus(Figure base) {
      List<Double> d = new ArrayList<>();
      for (int i = 0; i < blocks.size(); i++) {
        d.add(blocks.get(i) - base.blocks.get(i));
      }
      return new Figure(d, p50 - base.p50);
    }

    double median() {
      return IsolationReport.median(blocks);
    }

    List<String> byBlock() {
      return blocks.stream().map(d -> String.format("%.0f", d)).toList();
    }
  }

  private final Map<String, Series> measured;
  private final boolean schemaBuildingSkipped;

  IsolationReport(Map<String, Series> measured, boolean schemaBuildingSkipped) {
    this.measured = measured;
    this.schemaBuildingSkipped = schemaBuildingSkipped;
  }

  private Figure get(String name) {
    return measured.get(name).figure();
  }

  void print(
      PrintStream out, int perBlock, int slowPerBlock, int scanPerBlock, String recycledCounts) {
    out.printf(
        "%nper test, µs (block time / %d tests; schema-building contenders / %d; count(*) / %d)%n",
        perBlock, slowPerBlock, scanPerBlock);
    header(out, "contender");
    measured.forEach(
        (name, s) -> {
          if (!schemaBuildingSkipped || !SCHEMA_BUILDING.contains(name)) {
            row(out, name, s.figure());
          }
        });
    Figure tx = get(TX).minus(get(BODY_TX));
    Figure txNew = get(TX_NEW).minus(get(BODY_TX));
    Figure rawSame = get(RAW_SAME).minus(get(BODY_TX));
    Figure rawNew = get(RAW_NEW).minus(get(BODY_TX));
    Figure bare = get(BARE);
    Figure schema = schemaBuildingSkipped ? null : get(SCHEMA).minus(get(BODY));
    Figure database = get(DATABASE).minus(get(BODY));
    out.printf("%noverhead per test, µs (mode minus the body-only baseline of the same round)%n");
    header(out, "mode");
    row(out, "TRANSACTION", tx);
    row(out, "TRANSACTION, new keys in every test", txNew);
    row(out, BARE, bare);
    row(out, REARM, get(REARM));
    row(out, RAW_SAME, rawSame);
    row(out, RAW_NEW, rawNew);
    if (schema != null) {
      row(out, "SCHEMA", schema);
      row(out, RAW_SCHEMA, get(RAW_SCHEMA));
      row(out, RAW_COPY, get(RAW_COPY));
    }
    row(out, "DATABASE (warm pool)", database);
    out.printf("%nTRANSACTION overhead by block, in order: %s%n", tx.byBlock());
    out.printf(
        "per test with a count(*) of t1 (a sequential scan over every dead row), by block:%n"
            + "  never recycled: %s%n  recycled:       %s%n",
        get(SCAN_NEVER).byBlock(), get(SCAN_AUTO).byBlock());
    out.printf(
        "workers recycled (TRANSACTION, new keys, count(*) never, count(*) auto): %s%n",
        recycledCounts);
    out.printf("%nratios of medians over blocks (of p50 tests)%n");
    out.printf(
        "TRANSACTION overhead / raw savepoint round trip = %s (target <= 1.5); with new keys in"
            + " every test %s%n",
        ratio(tx, bare), ratio(txNew, bare));
    out.printf(
        "TRANSACTION overhead / raw savepoint around the same body = %s; with new keys %s%n",
        ratio(tx, rawSame), ratio(txNew, rawNew));
    if (schema != null) {
      out.printf(
          "SCHEMA overhead / raw CREATE SCHEMA + init + DROP = %s (target <= 1.2)%n",
          ratio(schema, get(RAW_SCHEMA)));
      out.printf(
          "copying a built schema / re-running the init source = %s%n",
          ratio(get(RAW_COPY), get(RAW_SCHEMA)));
    }
    out.printf("DATABASE overhead / TRANSACTION overhead = %s%n", ratio(database, tx));
  }

  private static String ratio(Figure a, Figure b) {
    return String.format("%.2f (%.2f)", a.median() / b.median(), a.p50() / b.p50());
  }

  private static void header(PrintStream out, String what) {
    out.printf("%-48s %10s %10s %10s %10s%n", what, "min", "median", "max", "p50 test");
  }

  private static void row(PrintStream out, String name, Figure f) {
    out.printf(
        "%-48s %10.1f %10.1f %10.1f %10.1f%n",
        name, Collections.min(f.blocks()), f.median(), Collections.max(f.blocks()), f.p50());
  }

  private static double median(List<Double> s) {
    List<Double> sorted = new ArrayList<>(s);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
