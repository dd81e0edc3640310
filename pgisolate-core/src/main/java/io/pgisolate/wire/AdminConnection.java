package io.pgisolate.wire;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal PostgreSQL client for pgisolate's own administrative work: it connects (trust
 * authentication only, as on a temporary cluster's UNIX socket) and runs simple queries. It is the
 * readiness probe of a starting server too, which is why it has no dependencies and starts in
 * microseconds. Protocol: PostgreSQL docs, "Frontend/Backend Protocol", sections "Start-up" and
 * "Simple Query".
 */
public final class AdminConnection implements AutoCloseable {
  private static final int PROTOCOL_3_0 = 196608;

  private final SocketChannel channel;
  private final Selector selector;
  private final long timeoutMillis;
  private ByteBuffer in = ByteBuffer.allocate(8192).flip();

  private AdminConnection(SocketChannel channel, Selector selector, Duration timeout) {
    this.channel = channel;
    this.selector = selector;
    this.timeoutMillis = Math.max(1, timeout.toMillis());
  }

  /**
   * Connects and completes the start-up. Throws {@link IOException} when nothing listens yet and
   * {@link ServerErrorException} when the server refuses, for example with SQLSTATE 57P03 while it
   * is still starting.
   */
  public static AdminConnection open(
      SocketAddress address, String user, String database, Duration timeout) throws IOException {
    SocketChannel channel =
        address instanceof UnixDomainSocketAddress
            ? SocketChannel.open(StandardProtocolFamily.UNIX)
            : SocketChannel.open();
    Selector selector = null;
    try {
      channel.connect(address);
      channel.configureBlocking(false);
      selector = Selector.open();
      channel.register(selector, SelectionKey.OP_READ);
      AdminConnection connection = new AdminConnection(channel, selector, timeout);
      connection.startup(user, database);
      return connection;
    } catch (IOException | RuntimeException e) {
      if (selector != null) {
        selector.close();
      }
      channel.close();
      throw e;
    }
  }

  private void startup(String user, String database) throws IOException {
    MessageBuilder m = new MessageBuilder();
    m.int32(PROTOCOL_3_0)
        .cstring("user")
        .cstring(user)
        .cstring("database")
        .cstring(database)
        .cstring("application_name")
        .cstring("pgisolate")
        .byte1(0);
    write(m.untyped());
    while (true) {
      Message message = read();
      switch (message.type) {
        case 'R' -> {
          int code = message.body.getInt();
          if (code != 0) {
            throw new IOException(
                "the server asks for authentication (method "
                    + code
                    + "); pgisolate's administrative connection needs trust");
          }
        }
        case 'E' -> throw new ServerErrorException(parseError(message.body));
        case 'Z' -> {
          return;
        }
        default -> {
          // ParameterStatus, BackendKeyData, NoticeResponse: nothing to do here.
        }
      }
    }
  }

  /**
   * Runs one simple query (which may hold several statements) and returns the rows of the last
   * result as text. The first error is thrown once the server is ready for the next query.
   */
  public List<List<String>> query(String sql) throws IOException {
    write(new MessageBuilder().cstring(sql).typed('Q'));
    List<List<String>> rows = new ArrayList<>();
    ServerError error = null;
    while (true) {
      Message message = read();
      switch (message.type) {
        case 'T' -> rows = new ArrayList<>();
        case 'D' -> rows.add(dataRow(message.body));
        case 'E' -> error = parseError(message.body);
        case 'G' -> // COPY FROM STDIN: nothing to send; refuse it so the query ends cleanly.
            write(new MessageBuilder().cstring("COPY from stdin is not supported here").typed('f'));
        case 'Z' -> {
          if (error != null) {
            throw new ServerErrorException(error);
          }
          return rows;
        }
        default -> {
          // CommandComplete, EmptyQueryResponse, NoticeResponse, ParameterStatus, CopyOut data.
        }
      }
    }
  }

  private static List<String> dataRow(ByteBuffer body) {
    int columns = body.getShort() & 0xffff;
    List<String> row = new ArrayList<>(columns);
    for (int i = 0; i < columns; i++) {
      int length = body.getInt();
      if (length < 0) {
        row.add(null);
      } else {
        byte[] value = new byte[length];
        body.get(value);
        row.add(new String(value, StandardCharsets.UTF_8));
      }
    }
    return row;
  }

  private static ServerError parseError(ByteBuffer body) {
    Map<Character, String> fields = new HashMap<>();
    while (body.hasRemaining()) {
      byte type = body.get();
      if (type == 0) {
        break;
      }
      fields.put((char) type, cstring(body));
    }
    return new ServerError(Map.copyOf(fields));
  }

  private static String cstring(ByteBuffer body) {
    int start = body.position();
    while (body.get() != 0) {
      // scan to the terminator
    }
    return new String(
        body.array(),
        body.arrayOffset() + start,
        body.position() - start - 1,
        StandardCharsets.UTF_8);
  }

  private record Message(char type, ByteBuffer body) {}

  private Message read() throws IOException {
    fill(5);
    char type = (char) in.get();
    int length = in.getInt() - 4;
    if (length < 0 || length > (64 << 20)) {
      throw new IOException("invalid message length " + length + " from the server");
    }
    fill(length);
    byte[] body = new byte[length];
    in.get(body);
    return new Message(type, ByteBuffer.wrap(body));
  }

  private void fill(int needed) throws IOException {
    if (in.remaining() >= needed) {
      return;
    }
    if (in.capacity() < needed) {
      ByteBuffer bigger = ByteBuffer.allocate(needed + 8192);
      bigger.put(in);
      in = bigger;
    } else {
      in.compact();
    }
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (in.position() < needed) {
      int n = channel.read(in);
      if (n < 0) {
        throw new EOFException("the server closed the connection");
      }
      if (n == 0) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0 || selector.select(left) == 0 && System.currentTimeMillis() >= deadline) {
          throw new SocketTimeoutException(
              "no answer from the server within " + timeoutMillis + " ms");
        }
        selector.selectedKeys().clear();
      }
    }
    in.flip();
  }

  private void write(ByteBuffer message) throws IOException {
    while (message.hasRemaining()) {
      if (channel.write(message) == 0) {
        Thread.onSpinWait();
      }
    }
  }

  @Override
  public void close() {
    try {
      if (channel.isOpen()) {
        write(new MessageBuilder().typed('X'));
      }
    } catch (IOException e) {
      // The server is gone already: nothing to say goodbye to.
    }
    try {
      selector.close();
      channel.close();
    } catch (IOException e) {
      // closing: nothing useful to do
    }
  }

  /** Builds one protocol message: a type byte, an int32 length, then the body. */
  private static final class MessageBuilder {
    private final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();

    MessageBuilder int32(int value) {
      body.write(value >>> 24);
      body.write(value >>> 16);
      body.write(value >>> 8);
      body.write(value);
      return this;
    }

    MessageBuilder byte1(int value) {
      body.write(value);
      return this;
    }

    MessageBuilder cstring(String value) {
      body.writeBytes(value.getBytes(StandardCharsets.UTF_8));
      body.write(0);
      return this;
    }

    ByteBuffer typed(char type) {
      byte[] bytes = body.toByteArray();
      return ByteBuffer.allocate(5 + bytes.length)
          .put((byte) type)
          .putInt(4 + bytes.length)
          .put(bytes)
          .flip();
    }

    ByteBuffer untyped() {
      byte[] bytes = body.toByteArray();
      return ByteBuffer.allocate(4 + bytes.length).putInt(4 + bytes.length).put(bytes).flip();
    }
  }
}
