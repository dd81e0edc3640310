package io.pgisolate.proxy.auth;

/** Authentication failed; the message and SQLSTATE are what the client is told. */
public final class AuthenticationFailure extends RuntimeException {
  private final String sqlState;
  private final String hint;

  public AuthenticationFailure(String sqlState, String message) {
    this(sqlState, message, null);
  }

  /**
   * @param hint what to do about it, or null
   */
  public AuthenticationFailure(String sqlState, String message, String hint) {
    super(message);
    this.sqlState = sqlState;
    this.hint = hint;
  }

  public String sqlState() {
    return sqlState;
  }

  /** What to do about it, or null. */
  public String hint() {
    return hint;
  }
}
