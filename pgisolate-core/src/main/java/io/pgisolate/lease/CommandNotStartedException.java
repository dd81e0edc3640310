package io.pgisolate.lease;

import io.pgisolate.PgIsolateException;

/** The command that wrap or wrap-each runs could not be started; a shell would exit with 127. */
public final class CommandNotStartedException extends PgIsolateException {
  private static final long serialVersionUID = 1L;

  /** What a shell returns for a command it could not run. */
  public static final int EXIT_CODE = 127;

  CommandNotStartedException(String message, Throwable cause) {
    super(message, cause);
  }

  public int exitCode() {
    return EXIT_CODE;
  }
}
