package io.pgisolate.bench;

/** One way of doing the measured operation; {@link #once()} returns the measured nanoseconds. */
interface Contender {
  String name();

  /** Runs the operation once and returns how long the measured part took; cleans up untimed. */
  long once() throws Exception;

  /** Runs before the first measured call (caches, class loading), untimed. */
  default void warmUp() throws Exception {
    once();
  }
}
