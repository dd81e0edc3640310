package io.pgisolate.proxy.transactional;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.pgisolate.proxy.protocol.Message;
import io.pgisolate.proxy.protocol.backend.BackendKeyData;
import io.pgisolate.proxy.protocol.backend.ErrorResponse;
import io.pgisolate.proxy.protocol.frontend.Bind;
import io.pgisolate.proxy.protocol.frontend.CancelRequest;
import io.pgisolate.proxy.protocol.frontend.Describe;
import io.pgisolate.proxy.protocol.frontend.Execute;
import io.pgisolate.proxy.protocol.frontend.Query;
import io.pgisolate.proxy.protocol.frontend.StartupMessage;
import io.pgisolate.proxy.protocol.frontend.Sync;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A client speaking the protocol by hand, to stop at places no driver stops. */
final class RawClient implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private final TransactionalFixture fixture;

  /** The cancel key the proxy gave this client. */
  final BackendKeyData key;

  RawClient(TransactionalFixture fixture) throws IOException {
    this.fixture = fixture;
    socket = new Socket(fixture.proxy.host(), fixture.proxy.port());
    socket.setSoTimeout(30_000);
    socket.setTcpNoDelay(true);
    // What is sent up to a flush goes out in one write, so the proxy reads it all at once: a test
    // that resets the connection once the server has started on the first message knows the proxy
    // has the rest too (sent one by one, later messages could be lost with the reset).
    out = new BufferedOutputStream(socket.getOutputStream(), 65_536);
    in = new DataInputStream(socket.getInputStream());
    send(
        new StartupMessage(
            StartupMessage.PROTOCOL_3_0,
            Map.of("user", fixture.pg.user(), "database", fixture.pg.database())));
    flush();
    key =
        readMessagesUntil('Z').stream()
            .filter(message -> message.type() == BackendKeyData.TYPE)
            .map(message -> BackendKeyData.decode(Unpooled.wrappedBuffer(message.body())))
            .findFirst()
            .orElseThrow();
  }

  /**
   * Sends a CancelRequest with this client's key on a connection of its own, as drivers do, and
   * returns once the proxy has closed that connection (it has forwarded or dropped the request).
   */
  void cancel() throws IOException {
    try (Socket cancel = new Socket(fixture.proxy.host(), fixture.proxy.port())) {
      cancel.setSoTimeout(30_000);
      ByteBuf buf = Unpooled.buffer();
      new CancelRequest(key.processId(), key.secret()).encode(buf);
      cancel.getOutputStream().write(ByteBufUtil.getBytes(buf));
      buf.release();
      if (cancel.getInputStream().read() != -1) {
        throw new IOException("the proxy answered a CancelRequest");
      }
    }
  }

  void send(Message message) throws IOException {
    ByteBuf buf = Unpooled.buffer();
    message.encode(buf);
    byte[] bytes = new byte[buf.readableBytes()];
    buf.readBytes(bytes);
    buf.release();
    out.write(bytes);
    if (message instanceof Query) {
      flush();
    }
  }

  void sendRaw(char type, byte[] body) throws IOException {
    out.write(type);
    int length = body.length + 4;
    out.write(
        new byte[] {
          (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length
        });
    out.write(body);
    flush();
  }

  /**
   * Executes prepared statement {@code statement} as libpq's PQexecPrepared does: Bind (of the
   * unnamed portal, no parameters), Describe of the portal, Execute, Sync; flushed.
   */
  void executePrepared(String statement) throws IOException {
    send(new Bind("", statement, new short[0], List.of(), new short[0]));
    send(new Describe('P', ""));
    send(new Execute("", 0));
    send(Sync.INSTANCE);
    flush();
  }

  void flush() throws IOException {
    out.flush();
  }

  /** Reads message types up to and including {@code last}. */
  List<Character> readUntil(char last) throws IOException {
    return readMessagesUntil(last).stream().map(Received::type).toList();
  }

  /** Reads messages up to and including {@code last}. */
  List<Received> readMessagesUntil(char last) throws IOException {
    List<Received> messages = new ArrayList<>();
    while (true) {
      char type = (char) in.readUnsignedByte();
      int length = in.readInt();
      Received message = new Received(type, in.readNBytes(length - 4));
      messages.add(message);
      if (type == last) {
        return messages;
      }
    }
  }

  /** How long a read waits before it fails with a SocketTimeoutException. */
  void readTimeout(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
  }

  /** A message from the proxy. */
  record Received(char type, byte[] body) {
    /** An ErrorResponse's fields, by their code ('C' SQLSTATE, 'M' message, 'H' hint). */
    Map<Character, String> fields() {
      ErrorResponse error = ErrorResponse.decode(Unpooled.wrappedBuffer(body));
      return error.fields();
    }

    @Override
    public String toString() {
      return type == ErrorResponse.TYPE ? "E" + fields() : String.valueOf(type);
    }
  }

  @Override
  public void close() throws IOException {
    socket.setSoLinger(true, 0); // a reset, as when the process is killed
    socket.close();
  }
}
