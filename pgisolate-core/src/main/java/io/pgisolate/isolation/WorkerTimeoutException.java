package io.pgisolate.isolation;

import io.pgisolate.PgIsolateException;

/**
 * No TRANSACTION worker became free in time. Front ends that know why (JUnit: which classes hold
 * one for all their tests) say so with {@link #state()}, the runner's state when it gave up.
 */
public class WorkerTimeoutException extends PgIsolateException {
  private static final long serialVersionUID = 1L;

  private final String state;

  public WorkerTimeoutException(String message, String state) {
    super(message);
    this.state = state;
  }

  /** The runner's state line when the wait ended ({@code workers=2, ready=0, busy=2, …}). */
  public String state() {
    return state;
  }
}
