package io.pgisolate.isolation;

import io.pgisolate.PgIsolateException;

/**
 * A test broke its own isolation: it sent COMMIT (or ROLLBACK, BEGIN, END) as SQL inside a
 * rolled-back transaction, ended the runner's transaction behind the wrapper's back, or dropped its
 * own schema. The runner or pool has recovered; the test fails with this.
 */
public class IsolationBrokenException extends PgIsolateException {
  private static final long serialVersionUID = 1L;

  public IsolationBrokenException(String message) {
    super(message);
  }

  public IsolationBrokenException(String message, Throwable cause) {
    super(message, cause);
  }
}
