package io.pgisolate.proxy.protocol.backend;

import static io.pgisolate.proxy.protocol.Bytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.CopyData;
import io.pgisolate.proxy.protocol.CopyDone;
import io.pgisolate.proxy.protocol.ProtocolException;
import io.pgisolate.proxy.protocol.UnknownMessage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each backend message against bytes written out by hand from the protocol docs. */
class BackendMessagesTest {

  @Test
  void authenticationOk() {
    assertCodec(AuthenticationOk.INSTANCE, bytes().b('R').i32(8).i32(0).get());
  }

  @Test
  void authenticationCleartextPassword() {
    assertCodec(AuthenticationCleartextPassword.INSTANCE, bytes().b('R').i32(8).i32(3).get());
  }

  @Test
  void authenticationMd5Password() {
    assertCodec(
        new AuthenticationMd5Password(new byte[] {1, 2, 3, 4}),
        bytes().b('R').i32(12).i32(5).raw(new byte[] {1, 2, 3, 4}).get());
  }

  @Test
  void authenticationSasl() {
    assertCodec(
        new AuthenticationSasl(List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256")),
        bytes()
            .b('R')
            .i32(4 + 4 + 19 + 14 + 1)
            .i32(10)
            .s("SCRAM-SHA-256-PLUS")
            .s("SCRAM-SHA-256")
            .b(0)
            .get());
  }

  @Test
  void authenticationSaslContinue() {
    assertCodec(
        new AuthenticationSaslContinue(utf8("r=abc,s=c2FsdA==,i=4096")),
        bytes().b('R').i32(8 + 23).i32(11).raw("r=abc,s=c2FsdA==,i=4096").get());
  }

  @Test
  void authenticationSaslFinal() {
    assertCodec(
        new AuthenticationSaslFinal(utf8("v=c2ln")),
        bytes().b('R').i32(8 + 6).i32(12).raw("v=c2ln").get());
  }

  @Test
  void authenticationGssIsKeptAsOther() {
    assertCodec(new AuthenticationOther(7, new byte[0]), bytes().b('R').i32(8).i32(7).get());
  }

  @Test
  void backendKeyData() {
    assertCodec(
        new BackendKeyData(1234, new byte[] {9, 8, 7, 6}),
        bytes().b('K').i32(12).i32(1234).raw(new byte[] {9, 8, 7, 6}).get());
  }

  @Test
  void parameterStatus() {
    assertCodec(
        new ParameterStatus("client_encoding", "UTF8"),
        bytes().b('S').i32(4 + 16 + 5).s("client_encoding").s("UTF8").get());
  }

  @Test
  void readyForQuery() {
    assertCodec(new ReadyForQuery('T'), bytes().b('Z').i32(5).b('T').get());
  }

  @Test
  void rowDescription() {
    assertCodec(
        new RowDescription(
            List.of(
                new RowDescription.Field("id", 16384, (short) 1, 23, (short) 4, -1, (short) 0))),
        bytes()
            .b('T')
            .i32(4 + 2 + 3 + 18)
            .i16(1)
            .s("id")
            .i32(16384)
            .i16(1)
            .i32(23)
            .i16(4)
            .i32(-1)
            .i16(0)
            .get());
  }

  @Test
  void dataRow() {
    assertCodec(
        new DataRow(Arrays.asList(utf8("1"), null, new byte[0])),
        bytes().b('D').i32(4 + 2 + 5 + 4 + 4).i16(3).i32(1).raw("1").i32(-1).i32(0).get());
  }

  @Test
  void commandComplete() {
    assertCodec(new CommandComplete("INSERT 0 1"), bytes().b('C').i32(15).s("INSERT 0 1").get());
  }

  @Test
  void emptyQueryResponse() {
    assertCodec(EmptyQueryResponse.INSTANCE, bytes().b('I').i32(4).get());
  }

  @Test
  void errorResponse() {
    ErrorResponse error = ErrorResponse.fatal("28P01", "bad password");
    assertCodec(
        error,
        bytes()
            .b('E')
            .i32(4 + 7 + 7 + 7 + 14 + 1)
            .b('S')
            .s("FATAL")
            .b('V')
            .s("FATAL")
            .b('C')
            .s("28P01")
            .b('M')
            .s("bad password")
            .b(0)
            .get());
    assertThat(error.sqlState()).isEqualTo("28P01");
    assertThat(error.message()).isEqualTo("bad password");
    assertThat(error.severity()).isEqualTo("FATAL");
  }

  @Test
  void noticeResponse() {
    Map<Character, String> fields = new LinkedHashMap<>();
    fields.put('S', "WARNING");
    fields.put('M', "careful");
    assertCodec(
        new NoticeResponse(fields),
        bytes().b('N').i32(4 + 9 + 9 + 1).b('S').s("WARNING").b('M').s("careful").b(0).get());
  }

  @Test
  void parseComplete() {
    assertCodec(ParseComplete.INSTANCE, bytes().b('1').i32(4).get());
  }

  @Test
  void bindComplete() {
    assertCodec(BindComplete.INSTANCE, bytes().b('2').i32(4).get());
  }

  @Test
  void closeComplete() {
    assertCodec(CloseComplete.INSTANCE, bytes().b('3').i32(4).get());
  }

  @Test
  void noData() {
    assertCodec(NoData.INSTANCE, bytes().b('n').i32(4).get());
  }

  @Test
  void portalSuspended() {
    assertCodec(PortalSuspended.INSTANCE, bytes().b('s').i32(4).get());
  }

  @Test
  void parameterDescription() {
    assertCodec(
        new ParameterDescription(new int[] {23, 25}),
        bytes().b('t').i32(4 + 2 + 8).i16(2).i32(23).i32(25).get());
  }

  @Test
  void copyInResponse() {
    assertCodec(
        new CopyInResponse((byte) 0, new short[] {0, 0}),
        bytes().b('G').i32(4 + 1 + 2 + 4).b(0).i16(2).i16(0).i16(0).get());
  }

  @Test
  void copyOutResponse() {
    assertCodec(
        new CopyOutResponse((byte) 1, new short[] {1}),
        bytes().b('H').i32(4 + 1 + 2 + 2).b(1).i16(1).i16(1).get());
  }

  @Test
  void copyBothResponse() {
    assertCodec(
        new CopyBothResponse((byte) 0, new short[0]),
        bytes().b('W').i32(4 + 1 + 2).b(0).i16(0).get());
  }

  @Test
  void copyData() {
    assertCodec(new CopyData(utf8("row\n")), bytes().b('d').i32(8).raw("row\n").get());
  }

  @Test
  void copyDone() {
    assertCodec(CopyDone.INSTANCE, bytes().b('c').i32(4).get());
  }

  @Test
  void notificationResponse() {
    assertCodec(
        new NotificationResponse(77, "jobs", "go"),
        bytes().b('A').i32(4 + 4 + 5 + 3).i32(77).s("jobs").s("go").get());
  }

  @Test
  void negotiateProtocolVersion() {
    assertCodec(
        new NegotiateProtocolVersion(0, List.of("_pq_.x")),
        bytes().b('v').i32(4 + 4 + 4 + 7).i32(0).i32(1).s("_pq_.x").get());
  }

  @Test
  void functionCallResponse() {
    assertCodec(
        new FunctionCallResponse(new byte[] {0, 0, 0, 8}),
        bytes().b('V').i32(12).i32(4).raw(new byte[] {0, 0, 0, 8}).get());
  }

  @Test
  void unknownTypeKeepsItsBytes() {
    assertCodec(new UnknownMessage('~', utf8("ab")), bytes().b('~').i32(6).raw("ab").get());
  }

  @Test
  void readyForQueryWithExtraBytesIsRejected() {
    ByteBuf body = Unpooled.wrappedBuffer(bytes().b('I').b('I').get());
    assertThatThrownBy(() -> BackendMessages.decode('Z', body))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("invalid message format: 1 unexpected bytes at the end of message type 'Z'");
  }

  @Test
  void errorWithoutFieldTerminatorIsRejected() {
    ByteBuf body = Unpooled.wrappedBuffer(bytes().b('S').raw("FATAL").get());
    assertThatThrownBy(() -> BackendMessages.decode('E', body))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("invalid string in message: missing terminator");
  }

  @Test
  void hostileOptionCountIsRejected() {
    ByteBuf body = Unpooled.wrappedBuffer(bytes().i32(0).i32(1_000_000).get());
    assertThatThrownBy(() -> BackendMessages.decode('v', body))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("invalid message format: option count 1000000 out of range");
  }

  static void assertCodec(BackendMessage message, byte[] wire) {
    ByteBuf out = Unpooled.buffer();
    try {
      message.encode(out);
      assertThat(ByteBufUtil.getBytes(out)).isEqualTo(wire);
    } finally {
      out.release();
    }
    BackendMessage decoded =
        BackendMessages.decode((char) wire[0], Unpooled.wrappedBuffer(wire, 5, wire.length - 5));
    assertThat(decoded).usingRecursiveComparison().isEqualTo(message);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
