package io.pgisolate.template;

import io.pgisolate.PgIsolateException;

/** No clone became ready in time; the message shows the pool's state. */
public class PoolTimeoutException extends PgIsolateException {
  private static final long serialVersionUID = 1L;

  public PoolTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
