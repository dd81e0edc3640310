package io.pgisolate.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lease bench's side-by-side table: every round's samples of a measurement together, per
 * target, with p50 and p99 and the first target's over the second's (pgisolate / pgmanager).
 */
final class LeaseComparison {
  private final List<LeaseTarget> targets;
  // label → target name → all rounds' samples
  private final Map<String, Map<String, LeaseBench.Stats>> results = new LinkedHashMap<>();

  LeaseComparison(List<LeaseTarget> targets) {
    this.targets = List.copyOf(targets);
  }

  void add(String label, LeaseTarget target, LeaseBench.Stats stats) {
    results
        .computeIfAbsent(label, l -> new LinkedHashMap<>())
        .merge(target.name(), stats, LeaseBench.Stats::plus);
  }

  /** Prints the table; expects two targets, the first the one the ratios are of. */
  void print(int rounds) {
    String a = targets.get(0).name();
    String b = targets.get(1).name();
    System.out.printf(
        "%n%s vs %s: %d round(s), interleaved; every round's samples together; µs%n", a, b, rounds);
    System.out.printf(
        "%-36s %10s %10s %10s %10s %9s %9s%n",
        "measurement", a + " p50", "p99", b + " p50", "p99", "p50 ratio", "p99 ratio");
    results.forEach(
        (label, byTarget) -> {
          LeaseBench.Stats x = byTarget.get(a);
          LeaseBench.Stats y = byTarget.get(b);
          System.out.printf(
              "%-36s %10.1f %10.1f %10.1f %10.1f %8.2fx %8.2fx%n",
              label,
              x.micros(0.5),
              x.micros(0.99),
              y.micros(0.5),
              y.micros(0.99),
              x.micros(0.5) / y.micros(0.5),
              x.micros(0.99) / y.micros(0.99));
        });
    System.out.printf("(ratio = %s / %s: below 1, %s is faster)%n", a, b, a);
  }
}
