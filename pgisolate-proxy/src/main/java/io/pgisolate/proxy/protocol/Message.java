package io.pgisolate.proxy.protocol;

import io.netty.buffer.ByteBuf;

/** One protocol message that can write itself, type byte and length included, to a buffer. */
public interface Message {
  void encode(ByteBuf out);
}
