package io.pgisolate.isolation;

/** How a test is isolated from the others. See docs/isolation-modes.md for what each does not. */
public enum IsolationMode {
  /** A database of its own, cloned from a template (the strongest and the default). */
  DATABASE,
  /** A schema of its own in a shared database, found through search_path. */
  SCHEMA,
  /** A savepoint in a worker's open transaction, rolled back after the test. */
  TRANSACTION,
  /**
   * One transaction shared by every connection, through pgisolate's transactional proxy ({@code
   * BEGIN TEST} / {@code ROLLBACK TEST} around each test), so an application under test with
   * connections of its own, or another process, is isolated too. Needs pgisolate-proxy.
   */
  SHARED_TRANSACTION
}
