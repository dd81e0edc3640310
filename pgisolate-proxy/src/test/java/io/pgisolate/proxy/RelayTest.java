package io.pgisolate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The relay's flushing and its backpressure, on two embedded channels relaying to each other. */
class RelayTest {
  private final EmbeddedChannel client = new EmbeddedChannel();
  private final EmbeddedChannel backend = new EmbeddedChannel();

  RelayTest() {
    for (EmbeddedChannel c : new EmbeddedChannel[] {client, backend}) {
      c.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
      c.config().setAutoRead(false);
    }
    client.pipeline().addLast(new Relay(backend));
    backend.pipeline().addLast(new Relay(client));
  }

  @AfterEach
  void close() {
    client.finishAndReleaseAll();
    backend.finishAndReleaseAll();
  }

  @Test
  void addingTheRelayStartsReading() {
    assertThat(client.config().isAutoRead()).isTrue();
    assertThat(backend.config().isAutoRead()).isTrue();
  }

  @Test
  void aReadLoopIsForwardedUnchangedAndFlushedOnceAtReadComplete() {
    ByteBuf first = Unpooled.copiedBuffer(new byte[] {1, 2});
    ByteBuf second = Unpooled.copiedBuffer(new byte[] {3});
    client.pipeline().fireChannelRead(first);
    client.pipeline().fireChannelRead(second);
    assertThat((Object) backend.readOutbound()).as("nothing flushed mid-loop").isNull();

    client.pipeline().fireChannelReadComplete();
    ByteBuf out1 = backend.readOutbound();
    ByteBuf out2 = backend.readOutbound();
    assertThat(out1).isSameAs(first);
    assertThat(out2).isSameAs(second);
    out1.release();
    out2.release();
  }

  @Test
  void aPeerAboveItsHighWatermarkStopsReadingUntilItDrains() {
    client.pipeline().fireChannelRead(Unpooled.wrappedBuffer(new byte[20]));
    assertThat(backend.isWritable()).isFalse();
    assertThat(client.config().isAutoRead()).as("client reads paused").isFalse();
    assertThat(backend.config().isAutoRead()).as("other direction unaffected").isTrue();

    // The flush at the end of the read loop drains the backend below its low watermark.
    client.pipeline().fireChannelReadComplete();
    assertThat(backend.isWritable()).isTrue();
    assertThat(client.config().isAutoRead()).as("client reads resumed").isTrue();
    ByteBuf out = backend.readOutbound();
    assertThat(out.readableBytes()).isEqualTo(20);
    out.release();
  }

  @Test
  void bytesForAClosedPeerAreReleased() {
    // The peer has gone but this channel has not yet heard (its close is on its way).
    backend.pipeline().remove(Relay.class);
    backend.close();
    ByteBuf late = Unpooled.wrappedBuffer(new byte[] {1});
    client.pipeline().fireChannelRead(late);
    assertThat(late.refCnt()).isZero();
  }

  @Test
  void aClosedPeerClosesTheOtherSide() {
    backend.close();
    assertThat(client.isOpen()).isFalse();
  }
}
