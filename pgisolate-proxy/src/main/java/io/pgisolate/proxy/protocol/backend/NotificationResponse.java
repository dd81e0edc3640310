package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;

/** NotificationResponse ('A'): a NOTIFY on a channel this session LISTENs to. */
public record NotificationResponse(int processId, String channel, String payload)
    implements BackendMessage {
  public static final char TYPE = 'A';

  public static NotificationResponse decode(ByteBuf body) {
    return new NotificationResponse(body.readInt(), Wire.readCString(body), Wire.readCString(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeInt(processId);
    Wire.writeCString(out, channel);
    Wire.writeCString(out, payload);
    Wire.end(out, length);
  }
}
