package io.pgisolate.proxy;

import io.netty.channel.Channel;
import io.pgisolate.proxy.protocol.RawMessage;
import io.pgisolate.proxy.protocol.backend.BackendKeyData;

/** What {@link BackendStartupHandler} reports to the client connection it works for. */
public interface BackendConnection {
  /** A ParameterStatus or NoticeResponse to pass on to the client (ownership passes too). */
  void forward(RawMessage message);

  /** PostgreSQL sent ReadyForQuery: the session is established. */
  void ready(Channel backend, BackendKeyData backendKey, RawMessage readyForQuery);

  /** PostgreSQL refused the session with this ErrorResponse (ownership passes). */
  void refused(RawMessage errorResponse);

  /**
   * The connection or its start-up failed for another reason; tell the client {@code message} (one
   * line, naming the backend) and {@code hint} (what to do about it).
   */
  void failed(String sqlState, String message, String hint, Throwable cause);
}
