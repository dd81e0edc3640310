package io.pgisolate.proxy;

import static io.pgisolate.proxy.ProxyBadInputIT.read;
import static io.pgisolate.proxy.ProxyBadInputIT.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.proxy.ProxyToolsIT.Run;
import io.pgisolate.proxy.auth.ClientAuthentication;
import io.pgisolate.proxy.protocol.backend.AuthenticationSasl;
import io.pgisolate.proxy.protocol.backend.ErrorResponse;
import io.pgisolate.proxy.protocol.frontend.SslRequest;
import io.pgisolate.proxy.protocol.frontend.StartupMessage;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TLS between clients and the proxy: psql (libpq) and pgjdbc verify the proxy's certificate
 * (sslmode=verify-full, with the test's self-signed certificate as root), through an SSLRequest or
 * a direct TLS handshake; TLS is optional on one proxy and required on the other.
 */
class TlsProxyIT {
  static final Map<String, String> USERS = Map.of("tool", ProxyToolsIT.PASSWORD);
  @TempDir static Path dir;
  @TempDir static Path sockets;
  static TempCluster pg;
  static TestCertificate certificate;
  static ProxyServer optional;
  static ProxyServer required;

  @BeforeAll
  static void start() throws Exception {
    certificate = TestCertificate.create(dir, "proxy");
    pg = TempCluster.builder().start();
    optional = proxy().start();
    required = proxy().tlsRequired(true).unixSocketDirectory(sockets).start();
  }

  static ProxyServer.Builder proxy() {
    return ProxyServer.builder()
        .backend(pg.host(), pg.port())
        .backendUser(pg.user())
        .backendPassword(pg.password())
        .clientAuthentication(ClientAuthentication.scramSha256(USERS))
        .tls(certificate.certificate(), certificate.key());
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable closeable : new AutoCloseable[] {optional, required, pg}) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Test
  void psqlVerifiesTheProxysCertificateAndSaysItUsesTls() throws Exception {
    String output =
        ProxyToolsIT.run(
            psql(
                optional,
                "sslmode=verify-full sslrootcert=" + certificate.certificate(),
                "\\conninfo",
                "SELECT 40 + 2"));
    assertThat(output).contains("SSL connection (protocol: TLSv1.").contains("42");
  }

  @Test
  void psqlRefusesTheProxyWhenItTrustsAnotherRoot() throws Exception {
    TestCertificate stranger = TestCertificate.create(dir, "stranger");
    Run run =
        ProxyToolsIT.execute(
            psql(
                optional, "sslmode=verify-full sslrootcert=" + stranger.certificate(), "SELECT 1"));
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.output()).contains("certificate verify failed");
  }

  @Test
  void cleartextStillWorksWhenTlsIsOptional() throws Exception {
    String output = ProxyToolsIT.run(psql(optional, "sslmode=disable", "\\conninfo", "SELECT 7"));
    assertThat(output).doesNotContain("SSL connection").contains("7");
  }

  @Test
  void requiredTlsRefusesCleartextOverTcpButNotOverTheUnixSocket() throws Exception {
    Run refused = ProxyToolsIT.execute(psql(required, "sslmode=disable", "SELECT 1"));
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.output())
        .contains(
            "FATAL:  this pgisolate proxy requires SSL: connect with sslmode=require (or"
                + " verify-ca, verify-full)");
    assertThat(ProxyToolsIT.run(psql(required, "sslmode=require", "\\conninfo", "SELECT 1")))
        .contains("SSL connection");
    // PostgreSQL offers no TLS on its UNIX socket, and libpq asks for none there: local clients
    // stay in the clear.
    String local =
        ProxyToolsIT.run(
            psql(required, "host=" + sockets + " sslmode=prefer", "\\conninfo", "SELECT 'local'"));
    assertThat(local).doesNotContain("SSL connection").contains("local");
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgres", "direct"})
  void pgjdbcVerifiesTheCertificateAndRelaysLargeMessages(String negotiation) throws Exception {
    for (ProxyServer proxy : List.of(optional, required)) {
      try (Connection c =
          jdbc(
              proxy,
              "sslmode",
              "verify-full",
              "sslrootcert",
              certificate.certificate().toString(),
              "sslNegotiation",
              negotiation)) {
        ProxyClientsIT.assertLargeMessagesGoBothWays(c);
      }
    }
  }

  @Test
  void pgjdbcGoesOnToTlsAfterGssEncryptionIsDeclined() throws Exception {
    try (Connection c = jdbc(required, "sslmode", "require", "gssEncMode", "prefer")) {
      assertWorks(c);
    }
  }

  @Test
  void pgjdbcInTheClearIsRefusedWhenTlsIsRequired() throws SQLException {
    assertThatThrownBy(() -> jdbc(required, "sslmode", "disable").close())
        .isInstanceOfSatisfying(
            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"))
        .hasMessageContaining("this pgisolate proxy requires SSL");
    // sslmode=prefer tries TLS first.
    try (Connection c = jdbc(required, "sslmode", "prefer")) {
      assertWorks(c);
    }
  }

  @Test
  void queryCancelReachesATlsSession() throws Exception {
    try (Connection c = jdbc(required, "sslmode", "require");
        Statement st = c.createStatement()) {
      st.setQueryTimeout(1);
      long start = System.nanoTime();
      assertThatThrownBy(() -> st.execute("SELECT pg_sleep(30)"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      assertWorks(c);
    }
  }

  @Test
  void cleartextSentBehindTheSslRequestIsRefused() throws Exception {
    try (Socket socket = socket(optional)) {
      // SSLRequest and StartupMessage in one write: the StartupMessage was not encrypted.
      write(
          socket,
          SslRequest.INSTANCE,
          new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "tool")));
      ErrorResponse error = (ErrorResponse) read(socket.getInputStream());
      assertThat(error.severity()).isEqualTo("FATAL");
      assertThat(error.sqlState()).isEqualTo("08P01");
      assertThat(error.message()).isEqualTo("received unencrypted data after SSL request");
      assertThat(socket.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void cleartextAfterTheAnswerSIsNotTakenForAStartupMessage() throws Exception {
    try (Socket socket = socket(optional)) {
      write(socket, SslRequest.INSTANCE);
      InputStream in = socket.getInputStream();
      assertThat(in.read()).isEqualTo('S');
      write(socket, new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "tool")));
      // Not a TLS record: the connection ends, at most with a TLS alert (0x15), never with an
      // authentication request in the clear.
      byte[] answer = in.readAllBytes();
      assertThat(answer.length == 0 || answer[0] == 0x15)
          .as("answer %s", java.util.Arrays.toString(answer))
          .isTrue();
    }
  }

  @Test
  void directTlsWithoutAlpnIsRefused() throws Exception {
    try (SSLSocket socket = tlsSocket(optional)) {
      socket.startHandshake();
      ErrorResponse error = (ErrorResponse) read(socket.getInputStream());
      assertThat(error.sqlState()).isEqualTo("08P01");
      assertThat(error.message())
          .isEqualTo(
              "received direct SSL connection request without ALPN protocol negotiation"
                  + " extension");
    }
  }

  @Test
  void anotherAlpnProtocolIsRefusedInTheHandshake() throws Exception {
    try (SSLSocket socket = tlsSocket(optional, "http/1.1")) {
      assertThatThrownBy(socket::startHandshake)
          .isInstanceOf(SSLHandshakeException.class)
          .hasMessageContaining("no_application_protocol");
    }
  }

  @Test
  void anSslRequestInsideTlsIsAProtocolViolation() throws Exception {
    try (SSLSocket socket = tlsSocket(optional, "postgresql")) {
      socket.startHandshake();
      assertThat(socket.getApplicationProtocol()).isEqualTo("postgresql");
      write(socket, SslRequest.INSTANCE);
      ErrorResponse error = (ErrorResponse) read(socket.getInputStream());
      assertThat(error.sqlState()).isEqualTo("08P01");
      assertThat(error.message())
          .isEqualTo("received SSLRequest on a connection that is already encrypted");
    }
  }

  @Test
  void directTlsCarriesTheStartupMessage() throws Exception {
    try (SSLSocket socket = tlsSocket(required, "postgresql")) {
      write(socket, new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "tool")));
      assertThat(read(socket.getInputStream())).isInstanceOf(AuthenticationSasl.class);
    }
  }

  static List<String> psql(ProxyServer proxy, String connection, String... commands) {
    List<String> command = new ArrayList<>(List.of("psql", "-X", "-v", "ON_ERROR_STOP=1"));
    command.add(
        "host="
            + proxy.host()
            + " port="
            + proxy.port()
            + " user=tool dbname="
            + pg.database()
            + " "
            + connection);
    for (String c : commands) {
      command.addAll(List.of("-c", c));
    }
    return command;
  }

  static Connection jdbc(ProxyServer proxy, String... properties) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", "tool");
    props.setProperty("password", ProxyToolsIT.PASSWORD);
    for (int i = 0; i < properties.length; i += 2) {
      props.setProperty(properties[i], properties[i + 1]);
    }
    return DriverManager.getConnection(
        "jdbc:postgresql://" + proxy.host() + ":" + proxy.port() + "/" + pg.database(), props);
  }

  private static void assertWorks(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT 7")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(7);
    }
  }

  private static Socket socket(ProxyServer proxy) throws Exception {
    Socket socket = new Socket(proxy.host(), proxy.port());
    socket.setSoTimeout(10_000);
    return socket;
  }

  /** A direct TLS connection that trusts the test certificate and offers these ALPN protocols. */
  private static SSLSocket tlsSocket(ProxyServer proxy, String... alpn) throws Exception {
    KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
    trusted.load(null, null);
    try (InputStream in = Files.newInputStream(certificate.certificate())) {
      trusted.setCertificateEntry(
          "proxy", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket(proxy.host(), proxy.port());
    socket.setSoTimeout(10_000);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    if (alpn.length > 0) {
      parameters.setApplicationProtocols(alpn);
    }
    socket.setSSLParameters(parameters);
    return socket;
  }
}
