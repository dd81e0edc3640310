package io.pgisolate.proxy.protocol.frontend;

import static io.pgisolate.proxy.protocol.Bytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.pgisolate.proxy.protocol.CopyData;
import io.pgisolate.proxy.protocol.CopyDone;
import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.ProtocolException;
import io.pgisolate.proxy.protocol.UnknownMessage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each frontend message against bytes written out by hand from the protocol docs. */
class FrontendMessagesTest {

  @Test
  void query() {
    assertCodec(new Query("SELECT 1"), bytes().b('Q').i32(13).s("SELECT 1").get());
  }

  @Test
  void parse() {
    assertCodec(
        new Parse("S_1", "SELECT $1", new int[] {23}),
        bytes().b('P').i32(4 + 4 + 10 + 2 + 4).s("S_1").s("SELECT $1").i16(1).i32(23).get());
  }

  @Test
  void bind() {
    assertCodec(
        new Bind("", "S_1", new short[] {0}, Arrays.asList(utf8("42"), null), new short[] {1}),
        bytes()
            .b('B')
            .i32(4 + 1 + 4 + 2 + 2 + 2 + 4 + 2 + 4 + 2 + 2)
            .s("")
            .s("S_1")
            .i16(1)
            .i16(0)
            .i16(2)
            .i32(2)
            .raw("42")
            .i32(-1)
            .i16(1)
            .i16(1)
            .get());
  }

  @Test
  void describe() {
    assertCodec(new Describe('S', "S_1"), bytes().b('D').i32(9).b('S').s("S_1").get());
  }

  @Test
  void execute() {
    assertCodec(new Execute("", 100), bytes().b('E').i32(9).s("").i32(100).get());
  }

  @Test
  void sync() {
    assertCodec(Sync.INSTANCE, bytes().b('S').i32(4).get());
  }

  @Test
  void flush() {
    assertCodec(Flush.INSTANCE, bytes().b('H').i32(4).get());
  }

  @Test
  void close() {
    assertCodec(new Close('P', "C_1"), bytes().b('C').i32(9).b('P').s("C_1").get());
  }

  @Test
  void copyData() {
    assertCodec(new CopyData(utf8("1\tx\n")), bytes().b('d').i32(8).raw("1\tx\n").get());
  }

  @Test
  void copyDone() {
    assertCodec(CopyDone.INSTANCE, bytes().b('c').i32(4).get());
  }

  @Test
  void copyFail() {
    assertCodec(new CopyFail("aborted"), bytes().b('f').i32(12).s("aborted").get());
  }

  @Test
  void terminate() {
    assertCodec(Terminate.INSTANCE, bytes().b('X').i32(4).get());
  }

  @Test
  void functionCall() {
    assertCodec(
        new FunctionCall(1598, new short[] {1}, Arrays.asList(new byte[] {0, 0, 0, 7}), (short) 1),
        bytes()
            .b('F')
            .i32(4 + 4 + 2 + 2 + 2 + 4 + 4 + 2)
            .i32(1598)
            .i16(1)
            .i16(1)
            .i16(1)
            .i32(4)
            .raw(new byte[] {0, 0, 0, 7})
            .i16(1)
            .get());
  }

  @Test
  void passwordMessage() {
    byte[] wire = bytes().b('p').i32(11).s("secret").get();
    assertThat(encode(new PasswordMessage("secret"))).isEqualTo(wire);
    assertThat(authenticationResponse(wire).asPassword()).isEqualTo(new PasswordMessage("secret"));
  }

  @Test
  void saslInitialResponse() {
    byte[] wire = bytes().b('p').i32(4 + 14 + 4 + 5).s("SCRAM-SHA-256").i32(5).raw("n,,n=").get();
    SaslInitialResponse message = new SaslInitialResponse("SCRAM-SHA-256", utf8("n,,n="));
    assertThat(encode(message)).isEqualTo(wire);
    assertThat(authenticationResponse(wire).asSaslInitialResponse())
        .usingRecursiveComparison()
        .isEqualTo(message);
  }

  @Test
  void saslInitialResponseWithoutData() {
    byte[] wire = bytes().b('p').i32(4 + 6 + 4).s("PLAIN").i32(-1).get();
    assertThat(authenticationResponse(wire).asSaslInitialResponse().data()).isNull();
  }

  @Test
  void saslResponse() {
    byte[] wire = bytes().b('p').i32(4 + 6).raw("c=biws").get();
    assertThat(encode(new SaslResponse(utf8("c=biws")))).isEqualTo(wire);
    assertThat(authenticationResponse(wire).asSaslResponse().data()).isEqualTo(utf8("c=biws"));
  }

  @Test
  void passwordWithBytesAfterTheStringIsRejected() {
    // the 'x' after the terminator is one byte too many
    byte[] wire = bytes().b('p').i32(4 + 4).s("ab").b('x').get();
    byte[] body = Arrays.copyOfRange(wire, 5, wire.length);
    assertThatThrownBy(() -> new AuthenticationResponse(body).asPassword())
        .isInstanceOf(ProtocolException.class)
        .hasMessage("invalid message format: 1 unexpected bytes at the end of message type 'p'");
  }

  @Test
  void unknownTypeKeepsItsBytes() {
    assertCodec(new UnknownMessage('?', utf8("xyz")), bytes().b('?').i32(7).raw("xyz").get());
  }

  @Test
  void startupMessage() {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("user", "alice");
    parameters.put("database", "app");
    StartupMessage message = new StartupMessage(StartupMessage.PROTOCOL_3_0, parameters);
    byte[] wire =
        bytes()
            .i32(4 + 4 + 5 + 6 + 9 + 4 + 1)
            .i16(3)
            .i16(0)
            .s("user")
            .s("alice")
            .s("database")
            .s("app")
            .b(0)
            .get();
    assertStartupCodec(message, wire);
    assertThat(message.database()).isEqualTo("app");
    assertThat(new StartupMessage(StartupMessage.PROTOCOL_3_2, Map.of("user", "bob")).database())
        .isEqualTo("bob");
  }

  @Test
  void sslRequest() {
    assertStartupCodec(SslRequest.INSTANCE, bytes().i32(8).i16(1234).i16(5679).get());
  }

  @Test
  void gssEncRequest() {
    assertStartupCodec(GssEncRequest.INSTANCE, bytes().i32(8).i16(1234).i16(5680).get());
  }

  @Test
  void cancelRequest() {
    assertStartupCodec(
        new CancelRequest(4711, new byte[] {1, 2, 3, 4}),
        bytes().i32(16).i16(1234).i16(5678).i32(4711).raw(new byte[] {1, 2, 3, 4}).get());
  }

  @Test
  void cancelRequestWithProtocol32LongKey() {
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) 9);
    assertStartupCodec(
        new CancelRequest(1, secret),
        bytes().i32(12 + 32).i32(CancelRequest.CODE).i32(1).raw(secret).get());
  }

  @Test
  void cancelRequestWithShortKeyIsRejected() {
    byte[] wire = bytes().i32(14).i32(CancelRequest.CODE).i32(1).i16(7).get();
    assertThatThrownBy(() -> decodeStartup(wire))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("invalid length of cancel request packet");
  }

  @Test
  void unsupportedProtocolVersionIsRejected() {
    byte[] wire = bytes().i32(9).i16(2).i16(0).b(0).get();
    assertThatThrownBy(() -> decodeStartup(wire))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("unsupported frontend protocol 2.0: server supports 3.0 to 3.0")
        .extracting(e -> ((ProtocolException) e).sqlState())
        .isEqualTo("0A000");
  }

  @Test
  void startupPacketWithoutTerminatorIsRejected() {
    byte[] wire = bytes().i32(13).i32(StartupMessage.PROTOCOL_3_0).raw("user").get();
    assertThatThrownBy(() -> decodeStartup(wire))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("invalid startup packet layout: expected terminator as last byte");
  }

  @Test
  void truncatedBodyIsRejected() {
    ByteBuf body = Unpooled.wrappedBuffer(bytes().s("").i16(0).get());
    assertThatThrownBy(() -> FrontendMessages.decode('E', body))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("invalid message format: message type 'E' ends early");
  }

  @Test
  void hostileCountIsRejectedWithoutAllocatingIt() {
    ByteBuf body = Unpooled.wrappedBuffer(bytes().s("").s("").i16(0).i16(65535).get());
    assertThatThrownBy(() -> FrontendMessages.decode('B', body))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("invalid message format: count 65535 out of range");
  }

  @Test
  void hostileValueLengthIsRejectedWithoutAllocatingIt() {
    ByteBuf body =
        Unpooled.wrappedBuffer(bytes().s("").s("").i16(0).i16(1).i32(Integer.MAX_VALUE).get());
    assertThatThrownBy(() -> FrontendMessages.decode('B', body))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("invalid message format: length 2147483647 out of range");
  }

  static void assertCodec(FrontendMessage message, byte[] wire) {
    assertThat(encode(message)).isEqualTo(wire);
    ByteBuf in = Unpooled.wrappedBuffer(wire);
    FrontendMessage decoded = FrontendMessages.decode((char) wire[0], in.slice(5, wire.length - 5));
    assertThat(decoded).usingRecursiveComparison().isEqualTo(message);
  }

  static void assertStartupCodec(StartupPacket message, byte[] wire) {
    assertThat(encode(message)).isEqualTo(wire);
    assertThat(decodeStartup(wire)).usingRecursiveComparison().isEqualTo(message);
  }

  static StartupPacket decodeStartup(byte[] wire) {
    return StartupPacketDecoder.decodePacket(Unpooled.wrappedBuffer(wire, 4, wire.length - 4));
  }

  static AuthenticationResponse authenticationResponse(byte[] wire) {
    return (AuthenticationResponse)
        FrontendMessages.decode('p', Unpooled.wrappedBuffer(wire, 5, wire.length - 5));
  }

  static byte[] encode(FrontendMessage message) {
    ByteBuf out = Unpooled.buffer();
    try {
      message.encode(out);
      return ByteBufUtil.getBytes(out);
    } finally {
      out.release();
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
