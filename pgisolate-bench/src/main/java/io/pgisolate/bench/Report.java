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
}
