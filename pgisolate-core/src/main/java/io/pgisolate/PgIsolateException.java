package io.pgisolate;

/**
 * Base of every failure pgisolate reports. The message is one line in the form "what failed: why.
 * Hint: what to do", so that front ends (the CLI, the JUnit extension) can show it as it is.
 */
public class PgIsolateException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PgIsolateException(String message) {
    super(message);
  }

  public PgIsolateException(String message, Throwable cause) {
    super(message, cause);
  }
}
