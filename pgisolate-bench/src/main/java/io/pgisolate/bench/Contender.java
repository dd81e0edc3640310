package io.pgisolate.bench;

import java.util.ArrayList;
import java.util.List;

/** One way of doing the measured operation; {@link #once()} returns the measured nanoseconds. */
interface Contender {
  String name();

  /** Runs the operation once and returns how long the measured part took; cleans up untimed. */
  long once() throws Exception;

  /** Runs before the first measured call (caches, class loading), untimed. */
  default void warmUp() throws Exception {
    once();
  }

  /**
   * Warms each contender up, then runs them interleaved (A B C A B C …) {@code rounds} times; one
   * {@link Samples} per contender, in their order.
   */
  static List<Samples> interleaved(List<? extends Contender> contenders, int rounds)
      throws Exception {
    List<Samples> samples = new ArrayList<>();
    for (Contender c : contenders) {
      c.warmUp();
      samples.add(new Samples(c.name()));
    }
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < contenders.size(); i++) {
        samples.get(i).add(contenders.get(i).once());
      }
    }
    return samples;
  }
}
