package io.pgisolate.proxy.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgisolate.proxy.protocol.backend.BackendMessageDecoder;
import io.pgisolate.proxy.protocol.frontend.AuthenticationResponse;
import io.pgisolate.proxy.protocol.frontend.FrontendMessageDecoder;
import io.pgisolate.proxy.protocol.frontend.StartupPacket;
import io.pgisolate.proxy.protocol.frontend.StartupPacketDecoder;
import java.util.Arrays;

/**
 * Fuzzes every decoder with Jazzer (coverage-guided). Surefire sets JAZZER_FUZZ=1, so this runs for
 * at most {@code maxDuration} in the normal test suite; without it, Jazzer replays only the seed
 * inputs. The only acceptable failure for any input is a {@link ProtocolException}; whatever
 * decodes must encode to bytes that decode to the same message again, and nothing may leak.
 */
class DecoderFuzzTest {
  private static final int MAX = 1 << 16;

  @FuzzTest(maxDuration = "5s")
  void decoders(byte[] input) {
    if (input.length == 0) {
      return;
    }
    byte[] stream = Arrays.copyOfRange(input, 1, input.length);
    switch (input[0] & 3) {
      case 0 -> feed(new StartupPacketDecoder(MAX), FrontendMessageDecoder.INSTANCE, stream);
      case 1 -> feed(new MessageFramer(MAX), FrontendMessageDecoder.INSTANCE, stream);
      case 2 -> feed(new MessageFramer(MAX), BackendMessageDecoder.INSTANCE, stream);
      default -> authenticationResponses(stream);
    }
  }

  private static void feed(ChannelHandler framing, ChannelHandler typed, byte[] stream) {
    EmbeddedChannel channel = new EmbeddedChannel(framing, typed);
    ByteBuf in = FramingTest.tracked(stream);
    try {
      channel.writeInbound(in);
    } catch (ProtocolException expected) {
      // Hostile input is refused; the channel must still release everything.
    }
    Object message;
    while ((message = channel.readInbound()) != null) {
      assertReencodes((Message) message, typed);
    }
    channel.finishAndReleaseAll();
  }

  private static void authenticationResponses(byte[] body) {
    AuthenticationResponse response = new AuthenticationResponse(body);
    try {
      response.asPassword();
    } catch (ProtocolException expected) {
      // not a valid password message
    }
    try {
      response.asSaslInitialResponse();
    } catch (ProtocolException expected) {
      // not a valid SASLInitialResponse
    }
    assertThat(response.asSaslResponse().data()).isEqualTo(body);
  }

  private static void assertReencodes(Message message, ChannelHandler typed) {
    byte[] once = encode(message);
    EmbeddedChannel channel =
        message instanceof StartupPacket
            ? new EmbeddedChannel(new StartupPacketDecoder(MAX))
            : new EmbeddedChannel(new MessageFramer(MAX), typed);
    channel.writeInbound(Unpooled.wrappedBuffer(once));
    Message again = channel.readInbound();
    assertThat(encode(again)).isEqualTo(once);
    channel.finishAndReleaseAll();
  }

  private static byte[] encode(Message message) {
    ByteBuf out = Unpooled.buffer();
    try {
      message.encode(out);
      return ByteBufUtil.getBytes(out);
    } finally {
      out.release();
    }
  }
}
