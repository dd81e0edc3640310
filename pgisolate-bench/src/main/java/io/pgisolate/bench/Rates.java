package io.pgisolate.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Rates measured for one contender (transactions per second, higher is better). */
final class Rates {
  final String name;
  private final List<Double> values = new ArrayList<>();

  Rates(String name) {
    this.name = name;
  }

  void add(double value) {
    values.add(value);
  }

  int count() {
    return values.size();
  }

  double min() {
    return Collections.min(values);
  }

  double max() {
    return Collections.max(values);
  }

  double median() {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /**
   * This contender's rate over {@code other}'s, round by round (the i-th value of each: measured
   * one after the other, under the same background load), so that load drifting between rounds does
   * not move the ratio as it moves a ratio of medians.
   */
  Rates perRoundRatio(Rates other) {
    Rates ratios = new Rates(name + " / " + other.name);
    for (int i = 0; i < Math.min(values.size(), other.values.size()); i++) {
      ratios.add(values.get(i) / other.values.get(i));
    }
    return ratios;
  }

  @Override
  public String toString() {
    return name + values;
  }
}
