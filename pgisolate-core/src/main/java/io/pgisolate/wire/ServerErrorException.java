package io.pgisolate.wire;

import io.pgisolate.PgIsolateException;

/** The server answered with an ErrorResponse. */
public class ServerErrorException extends PgIsolateException {
  private static final long serialVersionUID = 1L;

  private final transient ServerError error;

  public ServerErrorException(ServerError error) {
    super(error.toString());
    this.error = error;
  }

  public ServerError error() {
    return error;
  }
}
