package io.pgisolate.sql;

import io.pgisolate.PgIsolateException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A PostgreSQL server that databases are made on: a temporary cluster, or an existing server (a CI
 * service container, a developer's local PostgreSQL). The user must be allowed to create databases.
 *
 * @param host host name or address
 * @param port TCP port
 * @param user a role with CREATEDB
 * @param password its password (empty for trust)
 * @param adminDatabase the database administrative connections go to
 */
public record PgServer(String host, int port, String user, String password, String adminDatabase) {

  /**
   * Parses {@code postgres://user:password@host:port/database} (libpq URI) or {@code
   * jdbc:postgresql://host:port/database?user=…&password=…}.
   */
  public static PgServer fromUrl(String url) {
    try {
      String text = url.startsWith("jdbc:") ? url.substring(5) : url;
      URI uri = new URI(text);
      if (!"postgres".equals(uri.getScheme()) && !"postgresql".equals(uri.getScheme())) {
        throw new URISyntaxException(
            url, "the scheme must be postgres, postgresql or jdbc:postgresql");
      }
      Map<String, String> query = query(uri.getRawQuery());
      String user = query.getOrDefault("user", "postgres");
      String password = query.getOrDefault("password", "");
      if (uri.getRawUserInfo() != null) {
        String[] info = uri.getRawUserInfo().split(":", 2);
        user = decode(info[0]);
        password = info.length > 1 ? decode(info[1]) : password;
      }
      String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceFirst("^/", "");
      return new PgServer(
          uri.getHost() == null ? "localhost" : uri.getHost(),
          uri.getPort() < 0 ? 5432 : uri.getPort(),
          user,
          password,
          path.isEmpty() ? "postgres" : decode(path));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new PgIsolateException(
          "invalid server URL '"
              + redacted(url)
              + "': "
              + e.getMessage()
              + ". Hint: write postgres://user:password@host:5432/postgres.",
          e);
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> result = new HashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          result.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
        }
      }
    }
    return result;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /**
   * {@code s} as a part of a connection URL (libpq URI or pgjdbc URL): percent-encoded, a space as
   * {@code %20} (not {@code +}, which libpq would take literally).
   */
  public static String urlPart(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The host as URLs write it: an IPv6 address in brackets. */
  private String urlHost() {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /** A pgjdbc URL of {@code database}, with user and password. */
  public String jdbcUrl(String database) {
    return bareJdbcUrl(database)
        + "?user="
        + urlPart(user)
        + (password.isEmpty() ? "" : "&password=" + urlPart(password));
  }

  /** A pgjdbc URL of {@code database} without user and password, for ones given as properties. */
  public String bareJdbcUrl(String database) {
    return "jdbc:postgresql://" + urlHost() + ":" + port + "/" + urlPart(database);
  }

  /** A libpq URI of {@code database}, with user and password. */
  public String uri(String database) {
    String h = urlHost();
    return "postgresql://"
        + urlPart(user)
        + (password.isEmpty() ? "" : ":" + urlPart(password))
        + "@"
        + h
        + ":"
        + port
        + "/"
        + urlPart(database);
  }

  public DataSource dataSource(String database) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {host});
    ds.setPortNumbers(new int[] {port});
    ds.setDatabaseName(database);
    ds.setUser(user);
    ds.setPassword(password);
    return ds;
  }

  /**
   * Opens a connection, failing with a message that says where it tried to connect. {@code simple}
   * selects the simple query protocol, which runs a whole script as one query.
   */
  public Connection connect(String database, boolean simple) {
    Properties props = new Properties();
    props.setProperty("user", user);
    if (!password.isEmpty()) {
      props.setProperty("password", password);
    }
    props.setProperty("connectTimeout", "10");
    props.setProperty("ApplicationName", "pgisolate");
    if (simple) {
      props.setProperty("preferQueryMode", "simple");
    }
    try {
      return DriverManager.getConnection(bareJdbcUrl(database), props);
    } catch (SQLException e) {
      // "server", not "PostgreSQL": host:port may be a proxy in front of it (pgisolate proxy,
      // PgBouncer), and the message must not name what it cannot know.
      throw new PgIsolateException(
          "cannot connect to the server at "
              + host
              + ":"
              + port
              + " (database "
              + database
              + ", user "
              + user
              + "): "
              + io.pgisolate.os.Text.sentence(e.getMessage())
              + " Hint: "
              + connectHint(e),
          e);
    }
  }

  /**
   * Readies a session that must outlive its idle spells and whose end others wait for. Such
   * sessions hold advisory locks while they idle (a clone pool's owner, a template builder's, a
   * lease server's lock on a leased database: ended, they drop their locks, and other JVMs or lease
   * servers take what they guard for abandoned), or idle in the transaction their tests run in (a
   * TRANSACTION worker). Two things, in one round trip:
   *
   * <ul>
   *   <li>exempt from the server's timeouts that end idle sessions: {@code idle_session_timeout}
   *       (PostgreSQL 14+), {@code idle_in_transaction_session_timeout} and {@code
   *       transaction_timeout} (17+);
   *   <li>the server probes the client after {@value #KEEPALIVE_IDLE_SECONDS} s of silence, so a
   *       client that vanished without closing (its machine lost, the network cut) ends the
   *       session, and its locks return, within about {@value #LOST_CLIENT_SECONDS} s instead of
   *       the kernel's default of more than two hours. A live client's kernel answers the probes,
   *       whatever the client does.
   * </ul>
   *
   * Settings the server does not know are skipped.
   */
  public static void prepareLongLivedSession(Connection session) throws SQLException {
    try (var st = session.createStatement()) {
      st.execute(
          "SELECT set_config(name, value, false) FROM (VALUES ('idle_session_timeout', '0'),"
              + " ('idle_in_transaction_session_timeout', '0'), ('transaction_timeout', '0'),"
              + " ('tcp_keepalives_idle', '"
              + KEEPALIVE_IDLE_SECONDS
              + "'), ('tcp_keepalives_interval', '"
              + KEEPALIVE_INTERVAL_SECONDS
              + "'), ('tcp_keepalives_count', '"
              + KEEPALIVE_COUNT
              + "')) AS wanted (name, value) WHERE name IN (SELECT name FROM pg_settings)");
    }
  }

  /** Seconds of silence before the server probes a long-lived session's client. */
  static final int KEEPALIVE_IDLE_SECONDS = 10;

  static final int KEEPALIVE_INTERVAL_SECONDS = 5;
  static final int KEEPALIVE_COUNT = 3;

  /** Upper bound of the time a vanished client's long-lived session lives on. */
  static final int LOST_CLIENT_SECONDS =
      KEEPALIVE_IDLE_SECONDS + KEEPALIVE_INTERVAL_SECONDS * KEEPALIVE_COUNT;

  private static String connectHint(SQLException e) {
    if ("53300".equals(e.getSQLState())) { // too_many_connections
      return "the server has no connection slot left (max_connections); close connections, or"
          + " raise max_connections.";
    }
    return "check that the server runs there and accepts this user.";
  }

  public Connection connect(String database) {
    return connect(database, false);
  }

  @Override
  public String toString() {
    return "PgServer[" + user + "@" + host + ":" + port + "]";
  }

  /**
   * {@code url} (postgres:// or jdbc:postgresql://) without its password, in the user-info part or
   * a {@code password=} parameter, for messages.
   */
  public static String redacted(String url) {
    return url.replaceAll("://([^:/@]*):[^@/]*@", "://$1:***@")
        .replaceAll("([?&]password=)[^&]*", "$1***");
  }
}
