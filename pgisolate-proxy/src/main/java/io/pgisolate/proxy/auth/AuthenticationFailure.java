package io.pgisolate.proxy.auth;

/** Authentication failed; the message and SQLSTATE are what the client is told. */
public final class AuthenticationFailure extends RuntimeException {
  private final String sqlState;

  public AuthenticationFailure(String sqlState, String message) {
    super(message);
    this.sqlState = sqlState;
  }

  public String sqlState() {
    return sqlState;
  }
}
