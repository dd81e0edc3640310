package io.pgisolate.isolation;

import io.pgisolate.PgIsolateException;
import io.pgisolate.os.DaemonThreads;
import io.pgisolate.sql.PgServer;
import io.pgisolate.sql.Sql;
import io.pgisolate.template.InitSource;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A schema per test in one shared database: {@code CREATE SCHEMA}, the init source run inside it
 * with search_path on it (so unqualified names land there), and connections whose search_path is
 * that schema only. After the test the schema is dropped with CASCADE in the background, or kept
 * (with a comment saying why) when the test failed and asked for that.
 *
 * <p>Schema names are {@code <prefix>_<owner>_<n>}, owner random per instance, so several JVMs can
 * share a database. Creating is done on the caller's thread (the test waits for its schema);
 * dropping on one background thread.
 */
public final class SchemaIsolation implements Isolation {
  /** The start of the comment on a schema kept on purpose. */
  public static final String KEPT_MARK = "pgisolate: kept: ";

  private static final Logger log = LoggerFactory.getLogger(SchemaIsolation.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final PgServer server;
  private final String database;
  private final InitSource source;
  private final SourceSchemas schemas;
  private final String prefix;
  private final AtomicLong sequence = new AtomicLong();
  private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();
  private final Set<String> live = ConcurrentHashMap.newKeySet();

  /** The live schemas whose test has not ended: {@link #close} leaves them to {@code end}. */
  private final Set<String> leased = ConcurrentHashMap.newKeySet();

  private final ExecutorService dropper;
  private volatile boolean keptAny;
  private volatile boolean closed;

  private SchemaIsolation(PgServer server, String database, InitSource source, String prefix) {
    this.server = server;
    this.database = database;
    this.source = source;
    this.schemas = new SourceSchemas(server, database, source);
    this.prefix = prefix + "_" + String.format("%08x", RANDOM.nextInt(Integer.MAX_VALUE));
    this.dropper =
        Executors.newSingleThreadExecutor(
            DaemonThreads.named("pgisolate-schema-drop-" + this.prefix));
  }

  /**
   * Schemas of {@code source} in {@code database} (which must exist; the user needs CREATE on it).
   */
  public static SchemaIsolation start(PgServer server, String database, InitSource source) {
    return start(server, database, source, "pgi_s");
  }

  public static SchemaIsolation start(
      PgServer server, String database, InitSource source, String prefix) {
    if (!prefix.matches("[a-z][a-z0-9_]{0,30}")) {
      throw new IllegalArgumentException(
          "invalid prefix '" + prefix + "': lower-case letters, digits and _, at most 31.");
    }
    return new SchemaIsolation(server, database, source, prefix);
  }

  @Override
  public IsolationMode mode() {
    return IsolationMode.SCHEMA;
  }

  public String database() {
    return database;
  }

  /** Whether a failed test's schema was kept (then its database should be kept too). */
  public boolean keptAny() {
    return keptAny;
  }

  @Override
  public String state() {
    return "schemas live=" + live.size() + ", idle init connections=" + idle.size();
  }

  /** Creates the schema and runs the init source in it; the caller waits for both. */
  @Override
  public Isolated begin(Duration timeout) {
    if (closed) {
      throw new PgIsolateException("the schema isolation of " + source.identity() + " is closed.");
    }
    String schema = prefix + "_" + sequence.incrementAndGet();
    Connection c = take();
    live.add(schema);
    try {
      schemas.build(c, schema);
      try (Statement st = c.createStatement()) {
        st.execute("DISCARD ALL"); // the next test's init starts from a clean session
      }
      giveBack(c);
    } catch (SQLException | RuntimeException e) {
      Connections.closeQuietly(c);
      dropper.execute(() -> drop(schema));
      throw new PgIsolateException(
          "schema "
              + schema
              + " in database "
              + database
              + " could not be built from "
              + source.identity()
              + ": "
              + (e.getMessage() == null ? e.toString() : e.getMessage().replaceAll("\\R\\s*", " ")),
          e);
    }
    leased.add(schema);
    return new Leased(schema);
  }

  /** Keeps {@code c} for later use, or closes it once this is closed. */
  private void giveBack(Connection c) {
    idle.offer(c);
    if (closed && idle.remove(c)) {
      Connections.closeQuietly(c);
    }
  }

  private Connection take() {
    Connection c = idle.poll();
    return c != null ? c : server.connect(database, true);
  }

  private void drop(String schema) {
    schemas.drop(schema);
    live.remove(schema);
  }

  private boolean exists(String schema) {
    Connection c = take();
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        boolean found = rs.next();
        giveBack(c);
        return found;
      }
    } catch (SQLException e) {
      Connections.closeQuietly(c);
      throw new PgIsolateException("could not look for schema " + schema + ": " + e, e);
    }
  }

  /**
   * Drops every schema still live (not the kept ones), then closes its connections. The schema of a
   * test still running is dropped (or kept) when that test ends, as usual.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    dropper.shutdown();
    try {
      if (!dropper.awaitTermination(60, TimeUnit.SECONDS)) {
        log.warn("Schema drops in {} did not finish within 60 s", database);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (String schema : Set.copyOf(live)) {
      if (!leased.contains(schema)) {
        drop(schema);
      }
    }
    idle.forEach(Connections::closeQuietly);
    idle.clear();
  }

  @Override
  public String toString() {
    return "SchemaIsolation[" + database + ", " + source.identity() + ", " + state() + "]";
  }

  private final class Leased implements Isolated {
    private final String schema;
    private final Connections connections = new Connections();

    Leased(String schema) {
      this.schema = schema;
    }

    @Override
    public IsolationMode mode() {
      return IsolationMode.SCHEMA;
    }

    @Override
    public PgServer server() {
      return server;
    }

    @Override
    public String database() {
      return database;
    }

    @Override
    public Optional<String> schema() {
      return Optional.of(schema);
    }

    @Override
    public String jdbcUrl() {
      return server.jdbcUrl(database) + "&currentSchema=" + PgServer.urlPart(schema);
    }

    @Override
    public String uri() {
      // libpq: options passes -c settings to the server at connection start.
      return server.uri(database) + "?options=" + PgServer.urlPart("-csearch_path=" + schema);
    }

    @Override
    public DataSource dataSource() {
      PGSimpleDataSource ds = new PGSimpleDataSource();
      ds.setServerNames(new String[] {server.host()});
      ds.setPortNumbers(new int[] {server.port()});
      ds.setDatabaseName(database);
      ds.setUser(server.user());
      ds.setPassword(server.password());
      ds.setCurrentSchema(schema);
      ds.setApplicationName("pgisolate");
      return ds;
    }

    @Override
    public Connection connection() {
      try {
        return connections.add(dataSource().getConnection());
      } catch (SQLException e) {
        throw new PgIsolateException(
            "cannot connect to schema "
                + schema
                + " of database "
                + database
                + " on "
                + server
                + ": "
                + e.getMessage(),
            e);
      }
    }

    @Override
    public Optional<String> end(Outcome outcome) {
      connections.closeAll();
      leased.remove(schema);
      if (!exists(schema)) {
        live.remove(schema);
        throw new IsolationBrokenException(
            "the test '"
                + outcome.testName()
                + "' dropped its own schema "
                + schema
                + " (in database "
                + database
                + "), so there is nothing left to drop or keep. Hint: in SCHEMA isolation a test"
                + " must not drop or rename its schema; use isolation = DATABASE to test that.");
      }
      if (outcome.isFailed() && outcome.keepOnFailure()) {
        Connection c = take();
        try (Statement st = c.createStatement()) {
          st.execute(
              "COMMENT ON SCHEMA "
                  + Sql.identifier(schema)
                  + " IS "
                  + Sql.literal(KEPT_MARK + outcome.testName()));
          giveBack(c);
        } catch (SQLException e) {
          Connections.closeQuietly(c);
          throw new PgIsolateException("could not mark schema " + schema + " as kept: " + e, e);
        }
        live.remove(schema);
        keptAny = true;
        return Optional.of(uri());
      }
      try {
        dropper.execute(() -> drop(schema));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        drop(schema); // closing: drop it here
      }
      return Optional.empty();
    }
  }
}
