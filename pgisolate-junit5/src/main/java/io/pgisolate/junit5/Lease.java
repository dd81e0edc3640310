package io.pgisolate.junit5;

import io.pgisolate.PgIsolateException;
import io.pgisolate.isolation.Isolated;
import io.pgisolate.isolation.Isolation;
import io.pgisolate.isolation.Outcome;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/** A test's isolated place and the handle injected into it, ended together after the test. */
final class Lease implements AutoCloseable {
  /** The unique id of the JUnit context that began it. */
  final String owner;

  /** Where it came from. */
  final Isolation isolation;

  final Isolated isolated;
  final PgDatabase database;
  private final ExtensionSettings settings;

  Lease(String owner, Isolation isolation, Isolated isolated, ExtensionSettings settings) {
    this.owner = owner;
    this.isolation = isolation;
    this.isolated = isolated;
    this.settings = settings;
    this.database = new PgDatabase(isolated);
  }

  /**
   * Closes the injected connections, then drops the database or schema, rolls the transaction back,
   * hands the database to the next test (read-only tests) or keeps it (failed tests with
   * keepOnFailure).
   *
   * @return where the kept database or schema is, when it was kept
   * @throws io.pgisolate.isolation.IsolationBrokenException when the test broke its isolation
   */
  Optional<String> end(Optional<Throwable> failure, String testName) {
    return isolated.end(
        new Outcome(
            failure.or(() -> Optional.ofNullable(testFailure)),
            settings.keepOnFailure(),
            settings.readOnly(),
            testName));
  }

  /**
   * Ends a lease still in its context's store when JUnit closes that store: a test whose instance
   * could not be made (its constructor threw after it was given the lease) gets no afterEach, and
   * its worker or database would otherwise stay taken.
   */
  @Override
  public void close() {
    end(Optional.empty(), owner);
  }

  /**
   * The first failure of a test that used this class-scoped lease: the class's own context does not
   * see its tests' failures, and keepOnFailure keeps the database for them.
   */
  private volatile Throwable testFailure;

  void testFailed(Throwable failure) {
    if (testFailure == null) {
      testFailure = failure;
    }
  }

  /**
   * The turn of one test of a class-scoped TRANSACTION lease: its handles are savepoints in one
   * session's transaction, so two tests at once would roll back each other's work.
   */
  private final Semaphore turn = new Semaphore(1, true);

  private volatile String turnHolder;

  /** Waits for a test's turn; the turn ends when the returned one is closed. */
  Turn awaitTurn(String testName) {
    try {
      if (!turn.tryAcquire(settings.acquireTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
        throw new PgIsolateException(
            "timed out after "
                + settings.acquireTimeout().toMillis()
                + " ms waiting to begin test '"
                + testName
                + "' on its class's TRANSACTION session: test '"
                + turnHolder
                + "' is still running, and the tests of a class-scoped TRANSACTION database run"
                + " one at a time. Hint: look for a test that hangs, or raise"
                + " @PgIsolated(acquireTimeoutSeconds).");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PgIsolateException("interrupted while waiting to begin test '" + testName + "'", e);
    }
    turnHolder = testName;
    return new Turn();
  }

  /** A test's turn; closed by afterEach, or by JUnit with the test's store when it had none. */
  final class Turn implements AutoCloseable {
    private boolean ended;

    @Override
    public synchronized void close() {
      if (!ended) {
        ended = true;
        turnHolder = null;
        turn.release();
      }
    }
  }
}
