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

  @Override
  public String toString() {
    return name + values;
  }
}
