package io.pgisolate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Writes any {@link Message} (typed or start-up) to the wire. Stateless, so shared. */
@ChannelHandler.Sharable
public final class MessageEncoder extends MessageToByteEncoder<Message> {
  public static final MessageEncoder INSTANCE = new MessageEncoder();

  private MessageEncoder() {}

  @Override
  public boolean acceptOutboundMessage(Object msg) {
    // A RawMessage is written as its own buffer by whoever forwards it, never copied here.
    return msg instanceof Message && !(msg instanceof RawMessage);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Message msg, ByteBuf out) {
    msg.encode(out);
  }
}
