package io.pgisolate.proxy.protocol;

import io.netty.handler.codec.DecoderException;

/**
 * The peer broke the wire protocol. Carries the SQLSTATE the proxy reports in its ErrorResponse
 * (08P01 protocol_violation unless stated otherwise). It extends {@link DecoderException} so
 * Netty's decoders pass it on unwrapped.
 */
public final class ProtocolException extends DecoderException {
  /** SQLSTATE 08P01, protocol_violation. */
  public static final String PROTOCOL_VIOLATION = "08P01";

  private final String sqlState;

  public ProtocolException(String message) {
    this(PROTOCOL_VIOLATION, message);
  }

  public ProtocolException(String sqlState, String message) {
    super(message);
    this.sqlState = sqlState;
  }

  public String sqlState() {
    return sqlState;
  }
}
