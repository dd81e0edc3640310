package io.pgisolate.proxy.protocol;

import static io.pgisolate.proxy.protocol.Bytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgisolate.proxy.protocol.backend.AuthenticationOk;
import io.pgisolate.proxy.protocol.backend.BackendKeyData;
import io.pgisolate.proxy.protocol.backend.BackendMessageDecoder;
import io.pgisolate.proxy.protocol.backend.CommandComplete;
import io.pgisolate.proxy.protocol.backend.DataRow;
import io.pgisolate.proxy.protocol.backend.ParameterStatus;
import io.pgisolate.proxy.protocol.backend.ReadyForQuery;
import io.pgisolate.proxy.protocol.backend.RowDescription;
import io.pgisolate.proxy.protocol.frontend.Bind;
import io.pgisolate.proxy.protocol.frontend.Describe;
import io.pgisolate.proxy.protocol.frontend.Execute;
import io.pgisolate.proxy.protocol.frontend.FrontendMessageDecoder;
import io.pgisolate.proxy.protocol.frontend.GssEncRequest;
import io.pgisolate.proxy.protocol.frontend.Parse;
import io.pgisolate.proxy.protocol.frontend.Query;
import io.pgisolate.proxy.protocol.frontend.SslRequest;
import io.pgisolate.proxy.protocol.frontend.StartupMessage;
import io.pgisolate.proxy.protocol.frontend.StartupPacketDecoder;
import io.pgisolate.proxy.protocol.frontend.Sync;
import io.pgisolate.proxy.protocol.frontend.Terminate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Framing on an EmbeddedChannel: split reads, batched reads, hostile lengths. */
class FramingTest {
  private static final int MAX = 1 << 20;

  private static final List<Message> CLIENT_STREAM =
      List.of(
          SslRequest.INSTANCE,
          new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u", "database", "d")),
          new Query("SELECT 1; SELECT 2"),
          new Parse("", "SELECT $1::int", new int[] {23}),
          new Bind("", "", new short[0], Arrays.asList(bytes().raw("7").get()), new short[0]),
          new Describe('P', ""),
          new Execute("", 0),
          Sync.INSTANCE,
          new CopyData(new byte[3000]),
          Terminate.INSTANCE);

  private static final List<Message> SERVER_STREAM =
      List.of(
          AuthenticationOk.INSTANCE,
          new ParameterStatus("server_version", "18.1"),
          new BackendKeyData(42, new byte[] {1, 2, 3, 4}),
          ReadyForQuery.IDLE,
          new RowDescription(
              List.of(new RowDescription.Field("x", 0, (short) 0, 23, (short) 4, -1, (short) 0))),
          new DataRow(Arrays.asList(bytes().raw("1").get(), null)),
          new CommandComplete("SELECT 1"),
          new UnknownMessage('!', new byte[] {1}),
          ReadyForQuery.IDLE);

  @Test
  void clientStreamSplitAtEveryByte() {
    byte[] wire = encode(CLIENT_STREAM);
    // The SSLRequest always ends a read: a client waits for the answer before it goes on.
    int ssl = 8;
    for (int split = 0; split <= wire.length; split++) {
      int[] cuts =
          split < ssl ? new int[] {split, ssl, wire.length} : new int[] {ssl, split, wire.length};
      assertThat(decode(FramingTest::clientChannel, wire, cuts))
          .as("split at %d", split)
          .isEqualTo(wire);
    }
  }

  @Test
  void bytesBehindAnSslRequestAreRefused() {
    for (Message request : List.of(SslRequest.INSTANCE, GssEncRequest.INSTANCE)) {
      EmbeddedChannel channel = clientChannel();
      byte[] wire = encode(List.of(request, CLIENT_STREAM.get(1)));
      assertThatThrownBy(() -> channel.writeInbound(tracked(wire)))
          .isInstanceOf(ProtocolException.class)
          .hasMessage(
              request == SslRequest.INSTANCE
                  ? "received unencrypted data after SSL request"
                  : "received unencrypted data after GSSAPI encryption request");
      assertThat(channel.<Object>readInbound()).isNull();
      channel.finishAndReleaseAll();
    }
  }

  @Test
  void aTlsHandshakeInsteadOfAStartupPacketIsExplained() {
    EmbeddedChannel channel = clientChannel();
    // The start of a ClientHello record: handshake (0x16), TLS 1.0 record version, length 512.
    assertThatThrownBy(
            () -> channel.writeInbound(tracked(bytes().b(0x16).b(3).b(1).b(2).b(0).get())))
        .isInstanceOf(ProtocolException.class)
        .hasMessage(
            "received a TLS handshake instead of a startup packet: direct SSL connections"
                + " (sslnegotiation=direct) need TLS configured on the proxy, and must start with"
                + " it");
    channel.finishAndReleaseAll();
  }

  @Test
  void clientStreamOneByteAtATime() {
    byte[] wire = encode(CLIENT_STREAM);
    assertThat(decode(FramingTest::clientChannel, wire, 1)).isEqualTo(wire);
  }

  @Test
  void serverStreamSplitAtEveryByte() {
    byte[] wire = encode(SERVER_STREAM);
    for (int split = 0; split <= wire.length; split++) {
      assertThat(decode(FramingTest::serverChannel, wire, split, wire.length))
          .as("split at %d", split)
          .isEqualTo(wire);
    }
  }

  @Test
  void manySmallMessagesInOneRead() {
    List<Message> messages = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      messages.add(i % 2 == 0 ? new CommandComplete("SELECT " + i) : ReadyForQuery.IDLE);
    }
    EmbeddedChannel channel = serverChannel();
    channel.writeInbound(tracked(encode(messages)));
    assertThat(channel.inboundMessages()).hasSize(10_000);
    assertThat(channel.<Object>readInbound()).isEqualTo(new CommandComplete("SELECT 0"));
    channel.finishAndReleaseAll();
  }

  @Test
  void framerYieldsRetainedRawSlices() {
    EmbeddedChannel channel = new EmbeddedChannel(new MessageFramer(MAX));
    ByteBuf wire = tracked(encode(List.of(new Query("SELECT 1"), Sync.INSTANCE)));
    channel.writeInbound(wire);
    RawMessage query = channel.readInbound();
    RawMessage sync = channel.readInbound();
    assertThat(query.type()).isEqualTo('Q');
    assertThat(ByteBufUtil.getBytes(query.body())).isEqualTo(bytes().s("SELECT 1").get());
    assertThat(sync.type()).isEqualTo('S');
    assertThat(sync.body().readableBytes()).isZero();
    query.release();
    sync.release();
    assertThat(wire.refCnt()).isZero();
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void lengthBelowFourIsRejected() {
    EmbeddedChannel channel = new EmbeddedChannel(new MessageFramer(MAX));
    assertThatThrownBy(() -> channel.writeInbound(tracked(bytes().b('Q').i32(3).get())))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("invalid message length 3 for message type 'Q'");
    channel.finishAndReleaseAll();
  }

  @Test
  void lengthAboveTheLimitIsRejectedFromTheHeaderAlone() {
    EmbeddedChannel channel = new EmbeddedChannel(new MessageFramer(MAX));
    // Only the 5 header bytes arrive: the decoder must not wait for (or allocate) 2 GiB.
    assertThatThrownBy(() -> channel.writeInbound(tracked(bytes().b('d').i32(0x7fffffff).get())))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("message type 'd' of 2147483647 bytes exceeds the limit of 1048576 bytes");
    channel.finishAndReleaseAll();
  }

  @Test
  void nonPrintableTypeIsShownInHex() {
    EmbeddedChannel channel = new EmbeddedChannel(new MessageFramer(MAX));
    assertThatThrownBy(() -> channel.writeInbound(tracked(bytes().b(1).i32(-5).get())))
        .hasMessage("invalid message length -5 for message type '\\x01'");
    channel.finishAndReleaseAll();
  }

  @Test
  void garbageBeforeStartupIsAnInvalidLength() {
    EmbeddedChannel channel = clientChannel();
    assertThatThrownBy(() -> channel.writeInbound(tracked(bytes().raw("GET / HTTP/1.1\r\n").get())))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("invalid length of startup packet");
    channel.finishAndReleaseAll();
  }

  @Test
  void startupPacketAboveTenThousandBytesIsRejectedFromTheLengthAlone() {
    EmbeddedChannel channel = clientChannel();
    assertThatThrownBy(() -> channel.writeInbound(tracked(bytes().i32(10_001).get())))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("invalid length of startup packet");
    channel.finishAndReleaseAll();
  }

  @Test
  void startupPacketBelowEightBytesIsRejected() {
    EmbeddedChannel channel = clientChannel();
    assertThatThrownBy(() -> channel.writeInbound(tracked(bytes().i32(7).get())))
        .hasMessage("invalid length of startup packet");
    channel.finishAndReleaseAll();
  }

  @Test
  void startupDecoderHandsOverToTheFramer() {
    EmbeddedChannel channel = clientChannel();
    channel.writeInbound(tracked(encode(CLIENT_STREAM.subList(1, 3))));
    assertThat(channel.pipeline().get(StartupPacketDecoder.class)).isNull();
    assertThat(channel.pipeline().get(MessageFramer.class)).isNotNull();
    assertThat(channel.<Object>readInbound()).isInstanceOf(StartupMessage.class);
    assertThat(channel.<Object>readInbound()).isEqualTo(new Query("SELECT 1; SELECT 2"));
    assertThat(channel.finish()).isFalse();
  }

  static EmbeddedChannel clientChannel() {
    return new EmbeddedChannel(new StartupPacketDecoder(MAX), FrontendMessageDecoder.INSTANCE);
  }

  static EmbeddedChannel serverChannel() {
    return new EmbeddedChannel(new MessageFramer(MAX), BackendMessageDecoder.INSTANCE);
  }

  /** Feeds {@code wire} cut at the given offsets and re-encodes what was decoded. */
  private static byte[] decode(Supplier<EmbeddedChannel> channels, byte[] wire, int... cuts) {
    EmbeddedChannel channel = channels.get();
    int from = 0;
    for (int cut : cuts) {
      channel.writeInbound(tracked(Arrays.copyOfRange(wire, from, cut)));
      from = cut;
    }
    List<Message> decoded = new ArrayList<>();
    Object message;
    while ((message = channel.readInbound()) != null) {
      decoded.add((Message) message);
    }
    assertThat(channel.finish()).isFalse();
    return encode(decoded);
  }

  private static byte[] decode(Supplier<EmbeddedChannel> channels, byte[] wire, int step) {
    int[] cuts = new int[wire.length];
    for (int i = 0; i < wire.length; i++) {
      cuts[i] = Math.min(wire.length, (i + 1) * step);
    }
    return decode(channels, wire, cuts);
  }

  static byte[] encode(List<? extends Message> messages) {
    ByteBuf out = Unpooled.buffer();
    try {
      messages.forEach(m -> m.encode(out));
      return ByteBufUtil.getBytes(out);
    } finally {
      out.release();
    }
  }

  /** A pooled, leak-tracked copy, as a real read would deliver. */
  static ByteBuf tracked(byte[] bytes) {
    return ByteBufAllocator.DEFAULT.buffer(bytes.length).writeBytes(bytes);
  }
}
