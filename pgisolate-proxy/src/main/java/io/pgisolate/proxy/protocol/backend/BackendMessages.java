package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.CopyData;
import io.pgisolate.proxy.protocol.CopyDone;
import io.pgisolate.proxy.protocol.RawMessage;
import io.pgisolate.proxy.protocol.UnknownMessage;
import io.pgisolate.proxy.protocol.Wire;

/** The one dispatch on the type byte of messages a server sends. */
public final class BackendMessages {
  private BackendMessages() {}

  /** Decodes a frame; it stays owned (and is not released) by the caller. */
  public static BackendMessage decode(RawMessage frame) {
    return decode(frame.type(), frame.body());
  }

  /**
   * Decodes one body. A malformed body is a {@link io.pgisolate.proxy.protocol.ProtocolException};
   * an unknown type is an {@link UnknownMessage}, so it can still be forwarded.
   */
  public static BackendMessage decode(char type, ByteBuf body) {
    return switch (type) {
      case Authentication.TYPE -> Wire.decodeWhole(type, body, Authentication::decode);
      case BackendKeyData.TYPE -> Wire.decodeWhole(type, body, BackendKeyData::decode);
      case ParameterStatus.TYPE -> Wire.decodeWhole(type, body, ParameterStatus::decode);
      case ReadyForQuery.TYPE -> Wire.decodeWhole(type, body, ReadyForQuery::decode);
      case RowDescription.TYPE -> Wire.decodeWhole(type, body, RowDescription::decode);
      case DataRow.TYPE -> Wire.decodeWhole(type, body, DataRow::decode);
      case CommandComplete.TYPE -> Wire.decodeWhole(type, body, CommandComplete::decode);
      case EmptyQueryResponse.TYPE ->
          Wire.decodeWhole(type, body, b -> EmptyQueryResponse.INSTANCE);
      case ErrorResponse.TYPE -> Wire.decodeWhole(type, body, ErrorResponse::decode);
      case NoticeResponse.TYPE -> Wire.decodeWhole(type, body, NoticeResponse::decode);
      case ParseComplete.TYPE -> Wire.decodeWhole(type, body, b -> ParseComplete.INSTANCE);
      case BindComplete.TYPE -> Wire.decodeWhole(type, body, b -> BindComplete.INSTANCE);
      case CloseComplete.TYPE -> Wire.decodeWhole(type, body, b -> CloseComplete.INSTANCE);
      case NoData.TYPE -> Wire.decodeWhole(type, body, b -> NoData.INSTANCE);
      case PortalSuspended.TYPE -> Wire.decodeWhole(type, body, b -> PortalSuspended.INSTANCE);
      case ParameterDescription.TYPE -> Wire.decodeWhole(type, body, ParameterDescription::decode);
      case CopyInResponse.TYPE -> Wire.decodeWhole(type, body, CopyInResponse::decode);
      case CopyOutResponse.TYPE -> Wire.decodeWhole(type, body, CopyOutResponse::decode);
      case CopyBothResponse.TYPE -> Wire.decodeWhole(type, body, CopyBothResponse::decode);
      case CopyData.TYPE -> CopyData.decode(body);
      case CopyDone.TYPE -> Wire.decodeWhole(type, body, b -> CopyDone.INSTANCE);
      case NotificationResponse.TYPE -> Wire.decodeWhole(type, body, NotificationResponse::decode);
      case NegotiateProtocolVersion.TYPE ->
          Wire.decodeWhole(type, body, NegotiateProtocolVersion::decode);
      case FunctionCallResponse.TYPE -> Wire.decodeWhole(type, body, FunctionCallResponse::decode);
      default -> UnknownMessage.decode(type, body);
    };
  }
}
