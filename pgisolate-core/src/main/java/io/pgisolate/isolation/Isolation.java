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

  /** A line describing the state (ready, in use, failures), for messages. */
  String state();

  @Override
  void close();
}
