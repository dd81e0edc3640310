package io.pgisolate.proxy;

import static io.pgisolate.proxy.protocol.Bytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Message;
import io.pgisolate.proxy.protocol.backend.AuthenticationOk;
import io.pgisolate.proxy.protocol.backend.BackendMessages;
import io.pgisolate.proxy.protocol.backend.DataRow;
import io.pgisolate.proxy.protocol.backend.ErrorResponse;
import io.pgisolate.proxy.protocol.backend.NegotiateProtocolVersion;
import io.pgisolate.proxy.protocol.backend.ReadyForQuery;
import io.pgisolate.proxy.protocol.backend.RowDescription;
import io.pgisolate.proxy.protocol.frontend.Query;
import io.pgisolate.proxy.protocol.frontend.SslRequest;
import io.pgisolate.proxy.protocol.frontend.StartupMessage;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Hostile and broken clients: each is answered or dropped, and everyone else keeps working. */
class ProxyBadInputIT {
  static TempCluster pg;
  static ProxyServer proxy;

  @BeforeAll
  static void start() {
    pg = TempCluster.builder().start();
    proxy =
        ProxyServer.builder()
            .backend(pg.host(), pg.port())
            .backendUser(pg.user())
            .backendPassword(pg.password())
            .start();
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  @Test
  void garbageBeforeStartupGetsAnErrorResponse() throws Exception {
    try (Connection bystander = jdbc()) {
      try (Socket socket = socket()) {
        socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
        ErrorResponse error = (ErrorResponse) read(socket.getInputStream());
        assertThat(error.sqlState()).isEqualTo("08P01");
        assertThat(error.message()).isEqualTo("invalid length of startup packet");
        assertThat(socket.getInputStream().read()).isEqualTo(-1);
      }
      assertWorks(bystander);
    }
  }

  @Test
  void aTlsHandshakeIsExplainedWhenTheProxyHasNoTls() throws Exception {
    try (Socket socket = socket()) {
      // The start of a ClientHello record, as PostgreSQL 17's sslnegotiation=direct sends it.
      socket.getOutputStream().write(bytes().b(0x16).b(3).b(1).b(2).b(0).b(1).get());
      ErrorResponse error = (ErrorResponse) read(socket.getInputStream());
      assertThat(error.sqlState()).isEqualTo("08P01");
      assertThat(error.message())
          .startsWith("received a TLS handshake instead of a startup packet: direct SSL");
    }
  }

  @Test
  void bytesBehindAnSslRequestAreRefusedEvenWithoutTls() throws Exception {
    try (Socket socket = socket()) {
      write(
          socket,
          SslRequest.INSTANCE,
          new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u")));
      ErrorResponse error = (ErrorResponse) read(socket.getInputStream());
      assertThat(error.message()).isEqualTo("received unencrypted data after SSL request");
    }
  }

  @Test
  void unsupportedProtocolVersionIsRefused() throws Exception {
    try (Socket socket = socket()) {
      socket.getOutputStream().write(bytes().i32(9).i16(2).i16(0).b(0).get());
      ErrorResponse error = (ErrorResponse) read(socket.getInputStream());
      assertThat(error.sqlState()).isEqualTo("0A000");
      assertThat(error.message())
          .isEqualTo("unsupported frontend protocol 2.0: server supports 3.0 to 3.0");
    }
  }

  @Test
  void protocol32IsNegotiatedDownTo30() throws Exception {
    try (Socket socket = socket()) {
      write(
          socket,
          new StartupMessage(
              StartupMessage.PROTOCOL_3_2,
              Map.of("user", "u", "database", pg.database(), "_pq_.future", "1")));
      InputStream in = socket.getInputStream();
      assertThat(read(in)).isEqualTo(new NegotiateProtocolVersion(0, List.of("_pq_.future")));
      assertThat(read(in)).isEqualTo(AuthenticationOk.INSTANCE);
      BackendMessage message;
      while (!((message = read(in)) instanceof ReadyForQuery)) {
        assertThat(message).isNotInstanceOf(ErrorResponse.class);
      }
      write(socket, new Query("SELECT 1"));
      List<BackendMessage> replies = new ArrayList<>();
      while (!((message = read(in)) instanceof ReadyForQuery)) {
        replies.add(message);
      }
      assertThat(replies).hasSize(3); // RowDescription, DataRow, CommandComplete
    }
  }

  @Test
  void hugeLengthDuringAuthenticationIsRefusedWithoutWaitingForIt() throws Exception {
    try (ProxyServer scram =
            ProxyServer.builder()
                .backend(pg.host(), pg.port())
                .backendUser(pg.user())
                .backendPassword(pg.password())
                .clientAuthentication(
                    io.pgisolate.proxy.auth.ClientAuthentication.scramSha256(Map.of("u", "p")))
                .start();
        Socket socket = new Socket(scram.host(), scram.port())) {
      write(socket, new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u")));
      assertThat(read(socket.getInputStream()))
          .isInstanceOf(io.pgisolate.proxy.protocol.backend.AuthenticationSasl.class);
      socket.getOutputStream().write(bytes().b('p').i32(0x7ffffff0).get());
      ErrorResponse error = (ErrorResponse) read(socket.getInputStream());
      assertThat(error.sqlState()).isEqualTo("08P01");
      assertThat(error.message())
          .isEqualTo("message type 'p' of 2147483632 bytes exceeds the limit of 65536 bytes");
    }
  }

  @Test
  void abruptDisconnectsMidMessageLeaveOthersWorking() throws Exception {
    try (Connection bystander = jdbc()) {
      for (int i = 0; i < 20; i++) {
        try (Socket socket = socket()) {
          switch (i % 4) {
            case 0 -> socket.getOutputStream().write(bytes().i32(100).i32(196608).get());
            case 1 -> {
              write(socket, new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u")));
              socket.getOutputStream().write(bytes().b('Q').i32(1000).raw("SELECT").get());
            }
            case 2 -> {
              write(
                  socket,
                  new StartupMessage(
                      StartupMessage.PROTOCOL_3_0, Map.of("user", "u", "database", pg.database())));
              waitForReady(socket.getInputStream());
              socket.getOutputStream().write(bytes().b('?').i32(5).get());
            }
            default -> socket.setSoLinger(true, 0); // reset instead of FIN
          }
        }
      }
      assertWorks(bystander);
      try (Connection fresh = jdbc()) {
        assertWorks(fresh);
      }
    }
  }

  @Test
  void unknownMessageTypeIsAnsweredByPostgres() throws Exception {
    try (Socket socket = socket()) {
      write(
          socket,
          new StartupMessage(
              StartupMessage.PROTOCOL_3_0, Map.of("user", "u", "database", pg.database())));
      waitForReady(socket.getInputStream());
      socket.getOutputStream().write(bytes().b('?').i32(4).get());
      ErrorResponse error = (ErrorResponse) read(socket.getInputStream());
      assertThat(error.sqlState()).isEqualTo("08P01");
      assertThat(error.message()).contains("invalid frontend message type 63");
    }
  }

  /**
   * 20 MB of rows to a client that reads a little at a time through a 4 KiB receive buffer: the
   * proxy's sends come up short and the rest queues behind them (and the proxy stops reading from
   * PostgreSQL above the watermark); every byte must still arrive once and in order.
   */
  @Test
  void aSlowReaderGetsEveryRowInOrder() throws Exception {
    try (Connection bystander = jdbc();
        Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.setSoTimeout(30_000);
      socket.connect(new InetSocketAddress(proxy.host(), proxy.port()));
      write(socket, new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u")));
      waitForReady(socket.getInputStream());
      int rows = 200;
      int width = 100_000;
      write(
          socket,
          new Query(
              "SELECT i, repeat(chr(65 + i % 26), "
                  + width
                  + ") FROM generate_series(1, "
                  + rows
                  + ") i"));
      InputStream in = new BufferedInputStream(socket.getInputStream(), 512);
      assertThat(read(in)).as("RowDescription").isInstanceOf(RowDescription.class);
      for (int i = 1; i <= rows; i++) {
        BackendMessage message = read(in);
        assertThat(message).as("DataRow " + i).isInstanceOf(DataRow.class);
        List<byte[]> values = ((DataRow) message).values();
        assertThat(values).hasSize(2);
        assertThat(new String(values.get(0), StandardCharsets.US_ASCII))
            .isEqualTo(Integer.toString(i));
        assertThat(values.get(1)).hasSize(width);
        byte expected = (byte) ('A' + i % 26);
        for (byte b : values.get(1)) {
          if (b != expected) {
            throw new AssertionError("row " + i + " holds '" + (char) b + "'");
          }
        }
      }
      assertThat(read(in)).as("CommandComplete").isNotInstanceOf(ErrorResponse.class);
      assertThat(read(in)).isInstanceOf(ReadyForQuery.class);
      write(socket, new Query("SELECT 1"));
      waitForReady(in);
      assertWorks(bystander);
    }
  }

  /** Named as configured (a host name, not what it resolved to), in one line with a hint. */
  @Test
  void unreachableBackendIsReported() throws Exception {
    try (ProxyServer broken =
        ProxyServer.builder().backend("localhost", 1).backendUser("x").start()) {
      ErrorResponse error = startupError(broken);
      assertThat(error.sqlState()).isEqualTo("08006");
      assertThat(error.message())
          .startsWith("could not connect to the backend localhost:1: ")
          .contains("Connection refused")
          .doesNotContain("\n");
      assertThat(error.fields().get('H'))
          .isEqualTo(
              "check that PostgreSQL runs there and accepts connections from the proxy (its"
                  + " backend address)");
    }
  }

  /** Something that is not PostgreSQL, or that ends the connection: said so, with a hint. */
  @Test
  void aBackendThatClosesDuringStartUpIsReported() throws Exception {
    try (java.net.ServerSocket notPostgres = new java.net.ServerSocket(0)) {
      Thread closer =
          new Thread(
              () -> {
                try (Socket accepted = notPostgres.accept()) {
                  accepted.getInputStream().read(); // the StartupMessage begins, then: gone
                } catch (IOException e) {
                  // the test fails on the client's side
                }
              });
      closer.start();
      try (ProxyServer broken =
          ProxyServer.builder()
              .backend("127.0.0.1", notPostgres.getLocalPort())
              .backendUser("x")
              .start()) {
        ErrorResponse error = startupError(broken);
        assertThat(error.message())
            .isEqualTo(
                "the backend 127.0.0.1:"
                    + notPostgres.getLocalPort()
                    + " closed the connection during start-up");
        assertThat(error.fields().get('H'))
            .isEqualTo(
                "check that PostgreSQL listens there and admits the proxy's backend user and"
                    + " database; its log says why it closed the connection");
      }
      closer.join(10_000);
    }
  }

  /** The backend wants a password the proxy was not given. */
  @Test
  void aMissingBackendPasswordIsReported() throws Exception {
    try (ProxyServer noPassword =
        ProxyServer.builder().backend(pg.host(), pg.port()).backendUser(pg.user()).start()) {
      ErrorResponse error = startupError(noPassword);
      assertThat(error.sqlState()).isEqualTo("28000");
      assertThat(error.message())
          .isEqualTo(
              "the backend "
                  + pg.host()
                  + ":"
                  + pg.port()
                  + " asks the proxy for SCRAM-SHA-256 authentication of user \""
                  + pg.user()
                  + "\", but no backend password is configured");
      assertThat(error.fields().get('H'))
          .isEqualTo(
              "give the proxy the backend password (--backend postgres://user:password@host/db,"
                  + " or ProxyServer.builder().backendPassword(...))");
    }
  }

  /** The FATAL error a client gets at start-up from {@code server}. */
  private static ErrorResponse startupError(ProxyServer server) throws IOException {
    try (Socket socket = new Socket(server.host(), server.port())) {
      socket.setSoTimeout(20_000);
      write(socket, new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u")));
      assertThat(read(socket.getInputStream())).isEqualTo(AuthenticationOk.INSTANCE);
      ErrorResponse error = (ErrorResponse) read(socket.getInputStream());
      assertThat(error.severity()).isEqualTo("FATAL");
      return error;
    }
  }

  private static void waitForReady(InputStream in) throws IOException {
    BackendMessage message;
    while (!((message = read(in)) instanceof ReadyForQuery)) {
      assertThat(message).isNotInstanceOf(ErrorResponse.class);
    }
  }

  private static Socket socket() throws IOException {
    Socket socket = new Socket(proxy.host(), proxy.port());
    socket.setSoTimeout(10_000);
    return socket;
  }

  private static Connection jdbc() throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://" + proxy.host() + ":" + proxy.port() + "/" + pg.database(), "u", "");
  }

  private static void assertWorks(Connection connection) throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("SELECT 7")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(7);
    }
  }

  /** Writes the messages in one write. */
  static void write(Socket socket, Message... messages) throws IOException {
    ByteBuf out = Unpooled.buffer();
    try {
      for (Message message : messages) {
        message.encode(out);
      }
      OutputStream stream = socket.getOutputStream();
      stream.write(ByteBufUtil.getBytes(out));
      stream.flush();
    } finally {
      out.release();
    }
  }

  static BackendMessage read(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    char type = (char) data.readUnsignedByte();
    byte[] body = new byte[data.readInt() - 4];
    data.readFully(body);
    return BackendMessages.decode(type, Unpooled.wrappedBuffer(body));
  }
}
