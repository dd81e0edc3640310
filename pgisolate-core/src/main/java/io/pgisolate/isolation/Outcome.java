package io.pgisolate.isolation;

import java.util.Optional;

/**
 * How a test ended, for {@link Isolated#end}.
 *
 * @param failure what the test threw, if it failed
 * @param keepOnFailure keep a failed test's database or schema for inspection
 * @param unchanged the test declared it changes nothing (its database may be handed on)
 * @param testName names the test in messages and on kept databases or schemas
 */
public record Outcome(
    Optional<Throwable> failure, boolean keepOnFailure, boolean unchanged, String testName) {

  public static Outcome passed(String testName) {
    return new Outcome(Optional.empty(), false, false, testName);
  }

  public static Outcome failed(Throwable failure, String testName) {
    return new Outcome(Optional.of(failure), false, false, testName);
  }

  public boolean isFailed() {
    return failure.isPresent();
  }

  public Outcome withKeepOnFailure(boolean keep) {
    return new Outcome(failure, keep, unchanged, testName);
  }

  public Outcome withUnchanged(boolean u) {
    return new Outcome(failure, keepOnFailure, u, testName);
  }
}
