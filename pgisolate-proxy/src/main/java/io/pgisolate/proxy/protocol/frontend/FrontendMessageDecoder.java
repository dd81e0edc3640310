package io.pgisolate.proxy.protocol.frontend;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.pgisolate.proxy.protocol.RawMessage;
import java.util.List;

/**
 * Turns {@link RawMessage} frames from a client into typed messages. For code that inspects every
 * message; the proxy's relay forwards frames without it.
 */
@ChannelHandler.Sharable
public final class FrontendMessageDecoder extends MessageToMessageDecoder<RawMessage> {
  public static final FrontendMessageDecoder INSTANCE = new FrontendMessageDecoder();

  private FrontendMessageDecoder() {}

  @Override
  protected void decode(ChannelHandlerContext ctx, RawMessage frame, List<Object> out) {
    out.add(FrontendMessages.decode(frame));
  }
}
