package io.pgisolate.isolation;

import java.time.Duration;

/**
 * Hands each test an isolated place to work in, made from one init source: a database ({@link
 * DatabaseIsolation}), a schema ({@link SchemaIsolation}) or a rolled-back transaction ({@link
 * TransactionRunner}). Front ends choose one by {@link IsolationMode} and treat them alike. Safe to
 * use from many threads; closing it ends what it made (except what was kept on purpose).
 */
public interface Isolation extends AutoCloseable {

  IsolationMode mode();

  /** Begins one test's isolated place, waiting up to {@code timeout} for it. */
  Isolated begin(Duration timeout);

  /**
   * As {@link #begin(Duration)}, for the test called {@code testName}: strategies that name what
   * they begin (a shared transaction's {@code BEGIN TEST 'name'}) use it; the others ignore it.
   */
  default Isolated begin(Duration timeout, String testName) {
    return begin(timeout);
  }

  /**
   * As {@link #begin(Duration, String)}, for a test that says it changes nothing ({@link
   * Outcome#unchanged}), so that what it used can go to the next test as it is: a strategy that can
   * hold the test to that makes its connections refuse writes (DATABASE); the others ignore it.
   */
  default Isolated beginReadOnly(Duration timeout, String testName) {
    return begin(timeout, testName);
  }

  /** A line describing the state (ready, in use, failures), for messages. */
  String state();

  @Override
  void close();
}
