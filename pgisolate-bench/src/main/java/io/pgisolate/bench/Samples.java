package io.pgisolate.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Durations measured for one contender, in nanoseconds. */
final class Samples {
  final String name;
  private final List<Long> nanos = new ArrayList<>();

  Samples(String name) {
    this.name = name;
  }

  void add(long durationNanos) {
    nanos.add(durationNanos);
  }

  int count() {
    return nanos.size();
  }

  double percentileMillis(double p) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index))) / 1e6;
  }

  double medianMillis() {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    int n = sorted.size();
    return (n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0)
        / 1e6;
  }

  double minMillis() {
    return Collections.min(nanos) / 1e6;
  }

  double maxMillis() {
    return Collections.max(nanos) / 1e6;
  }
}
