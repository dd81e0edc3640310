package io.pgisolate.bench;

import java.io.PrintStream;
import java.util.List;

/** Prints a comparison table: min, median, max and each median's ratio to a reference. */
final class Report {
  private Report() {}

  static void print(PrintStream out, String title, List<Samples> all, Samples reference) {
    out.println();
    out.println(title);
    out.printf(
        "%-44s %5s %10s %10s %10s %10s%n",
        "contender", "runs", "min ms", "median ms", "max ms", "ratio");
    for (Samples s : all) {
      out.printf(
          "%-44s %5d %10.1f %10.1f %10.1f %9.2fx%n",
          s.name,
          s.count(),
          s.minMillis(),
          s.medianMillis(),
          s.maxMillis(),
          s.medianMillis() / reference.medianMillis());
    }
    out.println("(ratio = median / median of '" + reference.name + "')");
  }

  /**
   * Prints p50, p99 and max of each contender in {@code unit} ("ms" or "us"), with the p50 and p99
   * ratios to {@code baseline}'s.
   */
  static void percentiles(
      PrintStream out, List<Samples> all, Samples baseline, String baselineLabel, String unit) {
    double scale =
        switch (unit) {
          case "ms" -> 1;
          case "us" -> 1000;
          default -> throw new IllegalArgumentException("unit must be ms or us, was " + unit);
        };
    double base50 = baseline.percentileMillis(50);
    double base99 = baseline.percentileMillis(99);
    String p50Ratio = "p50/" + baselineLabel;
    String p99Ratio = "p99/" + baselineLabel;
    int width = Math.max(45, all.stream().mapToInt(s -> s.name.length()).max().orElse(0));
    out.printf(
        "%-" + width + "s %5s %9s %9s %9s %11s %11s%n",
        "contender",
        "n",
        "p50 " + unit,
        "p99 " + unit,
        "max " + unit,
        p50Ratio,
        p99Ratio);
    for (Samples s : all) {
      double p50 = s.percentileMillis(50);
      double p99 = s.percentileMillis(99);
      out.printf(
          "%-" + width + "s %5d %9.2f %9.2f %9.2f %10.2fx %10.2fx%n",
          s.name,
          s.count(),
          p50 * scale,
          p99 * scale,
          s.maxMillis() * scale,
          p50 / base50,
          p99 / base99);
    }
  }
}
