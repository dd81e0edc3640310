package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.CopyData;
import io.pgisolate.proxy.protocol.CopyDone;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.RawMessage;
import io.pgisolate.proxy.protocol.UnknownMessage;
import io.pgisolate.proxy.protocol.Wire;

/** The one dispatch on the type byte of messages a client sends after start-up. */
public final class FrontendMessages {
  private FrontendMessages() {}

  /** Decodes a frame; it stays owned (and is not released) by the caller. */
  public static FrontendMessage decode(RawMessage frame) {
    return decode(frame.type(), frame.body());
  }

  /**
   * Decodes one body. A malformed body is a {@link io.pgisolate.proxy.protocol.ProtocolException};
   * an unknown type is an {@link UnknownMessage}, so it can still be forwarded.
   */
  public static FrontendMessage decode(char type, ByteBuf body) {
    return switch (type) {
      case Query.TYPE -> Wire.decodeWhole(type, body, Query::decode);
      case Parse.TYPE -> Wire.decodeWhole(type, body, Parse::decode);
      case Bind.TYPE -> Wire.decodeWhole(type, body, Bind::decode);
      case Describe.TYPE -> Wire.decodeWhole(type, body, Describe::decode);
      case Execute.TYPE -> Wire.decodeWhole(type, body, Execute::decode);
      case Close.TYPE -> Wire.decodeWhole(type, body, Close::decode);
      case Sync.TYPE -> Wire.decodeWhole(type, body, b -> Sync.INSTANCE);
      case Flush.TYPE -> Wire.decodeWhole(type, body, b -> Flush.INSTANCE);
      case Terminate.TYPE -> Wire.decodeWhole(type, body, b -> Terminate.INSTANCE);
      case CopyData.TYPE -> CopyData.decode(body);
      case CopyDone.TYPE -> Wire.decodeWhole(type, body, b -> CopyDone.INSTANCE);
      case CopyFail.TYPE -> Wire.decodeWhole(type, body, CopyFail::decode);
      case FunctionCall.TYPE -> Wire.decodeWhole(type, body, FunctionCall::decode);
      case AuthenticationResponse.TYPE -> AuthenticationResponse.decode(body);
      default -> UnknownMessage.decode(type, body);
    };
  }
}
