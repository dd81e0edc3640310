package io.pgisolate.proxy.transactional;

import io.netty.channel.unix.DomainSocketAddress;
import io.pgisolate.PgIsolateException;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.proxy.BackendTarget;
import io.pgisolate.proxy.ProxyServer;
import io.pgisolate.sql.PgServer;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * A transactional proxy in this JVM, in front of one database: every client connection shares one
 * PostgreSQL session, and {@link #begin(String)} opens a test that {@link
 * SharedTransaction#close()} undoes with everything every client did meanwhile. Hand {@link
 * #jdbcUrl()} to the application under test (its own connection pool, or another process): it is
 * isolated without knowing.
 *
 * <pre>{@code
 * try (TempCluster pg = TempCluster.builder().initScript(schema).start();
 *     TransactionalProxy proxy = TransactionalProxy.start(pg)) {
 *   Shop shop = new Shop(proxy.jdbcUrl());                  // connects with a pool of its own
 *   try (SharedTransaction test = proxy.begin("places an order")) {
 *     shop.placeOrder("ada", 3);
 *   }                                                       // ROLLBACK TEST: all of it undone
 * }
 * }</pre>
 *
 * <p>The proxy trusts its clients: they log in as the backend's user, with no password, and the
 * proxy logs in to PostgreSQL with the backend's credentials. It listens on 127.0.0.1 and a free
 * port. Outside a test it is a plain proxy on the shared session (what a client commits stays).
 */
public final class TransactionalProxy implements AutoCloseable {
  /** How long a client waits for the shared session by default, as {@code pgisolate proxy}. */
  static final Duration DEFAULT_WAIT_TIMEOUT = Duration.ofSeconds(30);

  private final ProxyServer proxy;
  private final TransactionalBackend backend;
  private final PgServer endpoint;
  private final String database;

  private TransactionalProxy(
      ProxyServer proxy, TransactionalBackend backend, PgServer endpoint, String database) {
    this.proxy = proxy;
    this.backend = backend;
    this.endpoint = endpoint;
    this.database = database;
  }

  /** A proxy in front of {@code cluster}'s database, reached through the cluster's socket. */
  public static TransactionalProxy start(TempCluster cluster) {
    return builder().backend(cluster).start();
  }

  /** A proxy in front of {@code server}'s {@link PgServer#adminDatabase() database}, over TCP. */
  public static TransactionalProxy start(PgServer server) {
    return builder().backend(server).start();
  }

  /**
   * A proxy in front of the database at {@code url}: {@code postgres://user:password@host:port/db}
   * or {@code jdbc:postgresql://host:port/db?user=…&password=…}.
   */
  public static TransactionalProxy start(String url) {
    return builder().backend(url).start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Begins test {@code name}: {@code BEGIN TEST 'name' ON DISCONNECT ROLLBACK}; closing it sends
   * {@code ROLLBACK TEST}.
   */
  public SharedTransaction begin(String name) {
    return SharedTransaction.begin(dataSource(), name);
  }

  /** A pgjdbc URL of the proxy: {@code jdbc:postgresql://127.0.0.1:<port>/<database>?user=…}. */
  public String jdbcUrl() {
    return endpoint.jdbcUrl(database);
  }

  /** A libpq URI of the proxy: {@code postgresql://user@127.0.0.1:<port>/<database>}. */
  public String uri() {
    return endpoint.uri(database);
  }

  public String host() {
    return endpoint.host();
  }

  public int port() {
    return endpoint.port();
  }

  /** The user clients log in as (the backend's; no password). */
  public String user() {
    return endpoint.user();
  }

  /** The database the shared session works in. */
  public String database() {
    return database;
  }

  /** The proxy as a {@link PgServer}: its address and the user its clients log in as. */
  public PgServer server() {
    return endpoint;
  }

  /** Connections through the proxy. */
  public DataSource dataSource() {
    return endpoint.dataSource(database);
  }

  /**
   * A new connection through the proxy.
   *
   * @throws PgIsolateException when it cannot be made
   */
  public Connection connect() {
    return endpoint.connect(database);
  }

  /**
   * How many BEGIN TESTs wait for the open test to end (tests of this package use it to know that a
   * waiter has arrived).
   */
  int testsWaiting() {
    return backend.testsWaiting();
  }

  /** How many clients are connected (tests of this package use it to know that one has gone). */
  int clientsConnected() {
    return backend.clientCount();
  }

  /** Stops the proxy and closes its PostgreSQL session; a test still open is rolled back. */
  @Override
  public void close() {
    proxy.close();
  }

  @Override
  public String toString() {
    return "TransactionalProxy[" + host() + ":" + port() + "/" + database + "]";
  }

  /** Chooses the backend and the options; {@link #start()} checks that PostgreSQL is reachable. */
  public static final class Builder {
    private SocketAddress address;
    private String user;
    private String password;
    private String backendDatabase;
    private String database;
    private String described;
    private Duration waitTimeout = DEFAULT_WAIT_TIMEOUT;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private final ProxyServer.Builder proxy = ProxyServer.builder();

    private Builder() {}

    /** {@code cluster}'s database, through its UNIX socket (cheaper than TCP loopback). */
    public Builder backend(TempCluster cluster) {
      Objects.requireNonNull(cluster, "cluster");
      this.address =
          new DomainSocketAddress(
              cluster.socketDirectory().resolve(".s.PGSQL." + cluster.port()).toFile());
      this.user = cluster.user();
      this.password = cluster.password();
      this.backendDatabase = cluster.database();
      this.described = cluster.toString();
      return this;
    }

    /** {@code server}, over TCP; its {@link PgServer#adminDatabase()} unless {@link #database}. */
    public Builder backend(PgServer server) {
      Objects.requireNonNull(server, "server");
      this.address = new InetSocketAddress(server.host(), server.port());
      this.user = server.user();
      this.password = server.password();
      this.backendDatabase = server.adminDatabase();
      this.described = server.toString();
      return this;
    }

    /** The server at {@code url} ({@code postgres://…} or {@code jdbc:postgresql://…}). */
    public Builder backend(String url) {
      return backend(PgServer.fromUrl(Objects.requireNonNull(url, "url")));
    }

    /** The database the shared session works in; default the backend's. */
    public Builder database(String database) {
      if (database == null || database.isBlank()) {
        throw new IllegalArgumentException("database must not be blank, was '" + database + "'");
      }
      this.database = database;
      return this;
    }

    /**
     * How long a client waits for the shared session (another client holds it through its
     * transaction) before its statement fails, and a BEGIN TEST for another client's open test to
     * end; default 30 s.
     */
    public Builder waitTimeout(Duration timeout) {
      this.waitTimeout = positive("waitTimeout", timeout);
      return this;
    }

    /** How long the proxy waits for PostgreSQL to accept its connection; default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      proxy.connectTimeout(Objects.requireNonNull(timeout, "connectTimeout"));
      this.connectTimeout = timeout;
      return this;
    }

    /** The TCP port to listen on; default 0, a free one. */
    public Builder port(int port) {
      proxy.port(port);
      return this;
    }

    private static Duration positive(String name, Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + timeout);
      }
      return timeout;
    }

    /**
     * Starts the proxy and opens its PostgreSQL session.
     *
     * @throws PgIsolateException when PostgreSQL cannot be reached or refuses the session
     */
    public TransactionalProxy start() {
      if (address == null) {
        throw new IllegalStateException(
            "no backend: set backend(cluster), backend(server) or backend(url)");
      }
      String sessionDatabase = this.database != null ? this.database : backendDatabase;
      BackendTarget target =
          new BackendTarget(
              address,
              user,
              password == null || password.isEmpty() ? null : password,
              Map.of("database", sessionDatabase));
      TransactionalBackend backend = new TransactionalBackend(target, waitTimeout, connectTimeout);
      ProxyServer server = proxy.sharedBackend(backend).start();
      PgServer endpoint = new PgServer(server.host(), server.port(), user, "", sessionDatabase);
      TransactionalProxy started =
          new TransactionalProxy(server, backend, endpoint, sessionDatabase);
      // The session opens with the first client: open it now, so a bad backend fails here.
      try {
        started.connect().close();
        return started;
      } catch (PgIsolateException | SQLException e) {
        server.close();
        Throwable cause = e.getCause() instanceof SQLException sql ? sql : e;
        throw new PgIsolateException(
            "could not start a transactional proxy in front of "
                + described
                + " (database "
                + sessionDatabase
                + "): "
                + (cause instanceof SQLException sql
                    ? SharedTransaction.oneLine(sql)
                    : cause.getMessage())
                + ". Hint: check that PostgreSQL runs there and accepts this user and database.",
            e);
      }
    }
  }
}
