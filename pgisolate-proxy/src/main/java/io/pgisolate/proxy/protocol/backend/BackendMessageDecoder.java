package io.pgisolate.proxy.protocol.backend;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.pgisolate.proxy.protocol.RawMessage;
import java.util.List;

/** Turns {@link RawMessage} frames from a server into typed messages. */
@ChannelHandler.Sharable
public final class BackendMessageDecoder extends MessageToMessageDecoder<RawMessage> {
  public static final BackendMessageDecoder INSTANCE = new BackendMessageDecoder();

  private BackendMessageDecoder() {}

  @Override
  protected void decode(ChannelHandlerContext ctx, RawMessage frame, List<Object> out) {
    out.add(BackendMessages.decode(frame));
  }
}
