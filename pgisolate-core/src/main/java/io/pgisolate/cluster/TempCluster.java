package io.pgisolate.cluster;

import io.pgisolate.binaries.PgBinaries;
import io.pgisolate.sql.PgServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throwaway PostgreSQL cluster tuned for tests: started in a temporary directory (on /dev/shm
 * when it can) from a cached initdb result, stopped and deleted by {@link #close()}, by a shutdown
 * hook, or by a watchdog if the JVM is killed.
 *
 * <pre>{@code
 * try (TempCluster pg = TempCluster.builder().start()) {
 *   try (Connection c = pg.dataSource().getConnection()) { ... }
 * }
 * }</pre>
 */
public final class TempCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TempCluster.class);

  private final ClusterSettings settings;
  private final PgBinaries binaries;
  private final ClusterLayout layout;
  private final Postmaster postmaster;
  private final Watchdog watchdog;
  private final int port;
  private final String password;
  private boolean closed;

  TempCluster(
      ClusterSettings settings,
      PgBinaries binaries,
      ClusterLayout layout,
      Postmaster postmaster,
      Watchdog watchdog,
      int port,
      String password) {
    this.settings = settings;
    this.binaries = binaries;
    this.layout = layout;
    this.postmaster = postmaster;
    this.watchdog = watchdog;
    this.port = port;
    this.password = password;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts a cluster with {@code settings}; whatever a failed start made is removed. */
  public static TempCluster start(ClusterSettings settings) {
    return ClusterStart.start(settings);
  }

  /** Stops the server and deletes its files (or keeps them, when it was to persist). */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stopServer();
      if (settings.persist()) {
        layout.keep();
        log.info("Kept the data directory of {} at {}", this, layout.dataDir);
      } else {
        layout.delete();
      }
    } finally {
      // Only now: a JVM exiting meanwhile has its hook wait here (close() is synchronized)
      // instead of halting halfway through, after the server stopped but before its files went.
      LiveClusters.remove(this);
    }
  }

  private void stopServer() {
    postmaster.stop(watchdog, ClusterStart.STOP_GRACE);
  }

  public PgBinaries binaries() {
    return binaries;
  }

  /** The TCP address, or the socket directory for a socket-only cluster (as libpq's host). */
  public String host() {
    return settings.socketOnly() ? layout.socketDir.toString() : settings.listenAddress();
  }

  public int port() {
    return port;
  }

  public Path socketDirectory() {
    return layout.socketDir;
  }

  public String user() {
    return settings.user();
  }

  public String password() {
    return password;
  }

  public String database() {
    return settings.database();
  }

  public Path dataDirectory() {
    return layout.dataDir;
  }

  public Path logFile() {
    return layout.logFile;
  }

  /** The watchdog's process id (a seam for the tests that kill this JVM). */
  long watchdogPid() {
    return watchdog.pid();
  }

  /** The postmaster's process id. */
  public long pid() {
    return postmaster.pid();
  }

  public boolean isSocketOnly() {
    return settings.socketOnly();
  }

  /**
   * The cluster as a {@link PgServer} (over TCP, as its superuser), for templates, clone pools and
   * isolation strategies.
   */
  public PgServer server() {
    requireTcp("a server address");
    return new PgServer(settings.listenAddress(), port, settings.user(), password, "postgres");
  }

  /** A pgjdbc URL of the cluster's database, with user and password. */
  public String jdbcUrl() {
    return jdbcUrl(settings.database());
  }

  public String jdbcUrl(String database) {
    requireTcp("a JDBC URL");
    return server().jdbcUrl(database);
  }

  /** A libpq connection URI of the cluster's database, with user and password. */
  public String uri() {
    return uri(settings.database());
  }

  public String uri(String database) {
    if (settings.socketOnly()) {
      return "postgresql://"
          + PgServer.urlPart(settings.user())
          + "@/"
          + PgServer.urlPart(database)
          + "?host="
          + PgServer.urlPart(layout.socketDir.toString())
          + "&port="
          + port;
    }
    return server().uri(database);
  }

  public DataSource dataSource() {
    return dataSource(settings.database());
  }

  public DataSource dataSource(String database) {
    requireTcp("a DataSource");
    return server().dataSource(database);
  }

  private void requireTcp(String what) {
    if (settings.socketOnly()) {
      throw new IllegalStateException(
          "a socket-only cluster has no TCP listener for "
              + what
              + ". Hint: use uri() with libpq clients, or start the cluster with TCP.");
    }
  }

  @Override
  public String toString() {
    return "TempCluster[PostgreSQL "
        + binaries.version()
        + " pid "
        + postmaster.pid()
        + (settings.socketOnly() ? " socket " + layout.socketDir : " port " + port)
        + " data "
        + layout.dataDir
        + "]";
  }

  /** Settings for a temporary cluster; every option is checked here, naming the bad property. */
  public static final class Builder {
    private Optional<Path> bin = Optional.empty();
    private Optional<String> version = Optional.empty();
    private Optional<Integer> port = Optional.empty();
    private boolean socketOnly;
    private String listenAddress = "127.0.0.1";
    private String user = "postgres";
    private Optional<String> password = Optional.empty();

    /** PostgreSQL's own default ({@code scram_iterations}). */
    private static final int GIVEN_PASSWORD_ITERATIONS = 4096;

    private boolean passwordAuthentication = true;
    private java.util.OptionalInt scramIterations = java.util.OptionalInt.empty();
    private String database = "postgres";
    private String locale = "C";
    private String encoding = "UTF8";
    private final java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
    private final List<String> hbaLines = new ArrayList<>();
    private final List<String> extensions = new ArrayList<>();
    private final List<Path> initScripts = new ArrayList<>();
    private Optional<Path> dump = Optional.empty();
    private Optional<Path> dataDirectory = Optional.empty();
    private Optional<Path> dataRoot = Optional.empty();
    private boolean ramDisk = true;
    private boolean persist;
    private Duration startTimeout = Duration.ofSeconds(60);
    private Optional<String> runAs = Optional.empty();
    private Optional<Path> cacheDirectory = Optional.empty();
    private boolean initdbCache = true;

    private Builder() {}

    /** The bin directory of a PostgreSQL installation to use, instead of looking for one. */
    public Builder binaries(Path binDirectory) {
      this.bin = Optional.of(binDirectory);
      return this;
    }

    /** A PostgreSQL version (17, 17.6 or 17.6.0) to fetch from Maven Central's zonky builds. */
    public Builder version(String version) {
      this.version = Optional.of(version);
      return this;
    }

    /** A fixed TCP port; by default a free one is chosen. */
    public Builder port(int port) {
      if (port < 1 || port > 65535) {
        throw invalid("port", port, "must be between 1 and 65535");
      }
      this.port = Optional.of(port);
      return this;
    }

    /** Listen on the UNIX socket only: no TCP port, no password. */
    public Builder socketOnly() {
      this.socketOnly = true;
      return this;
    }

    public Builder listenAddress(String address) {
      this.listenAddress = requireText("listenAddress", address);
      return this;
    }

    public Builder user(String user) {
      this.user = requireText("user", user);
      return this;
    }

    public Builder password(String password) {
      this.password = Optional.of(requireText("password", password));
      return this;
    }

    /** SCRAM-SHA-256 on TCP (the default) or, when false, trust. */
    public Builder passwordAuthentication(boolean enabled) {
      this.passwordAuthentication = enabled;
      return this;
    }

    /**
     * The SCRAM iteration count of the stored password. Every new connection repeats that many
     * rounds on both ends (~3 ms at PostgreSQL's 4096). Default: 1 for the generated password,
     * which is random, so stretching it adds nothing against guessing; 4096, PostgreSQL's own, for
     * a password given with {@link #password}, which may be guessable.
     */
    public Builder scramIterations(int iterations) {
      if (iterations < 1) {
        throw invalid("scramIterations", iterations, "must be at least 1");
      }
      this.scramIterations = java.util.OptionalInt.of(iterations);
      return this;
    }

    public Builder database(String database) {
      this.database = requireText("database", database);
      return this;
    }

    public Builder locale(String locale) {
      this.locale = requireText("locale", locale);
      return this;
    }

    public Builder encoding(String encoding) {
      this.encoding = requireText("encoding", encoding);
      return this;
    }

    /** A postgresql.conf setting; it overrides pgisolate's test-speed defaults. */
    public Builder setting(String name, String value) {
      if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
        throw invalid("setting", name, "is not a configuration parameter name");
      }
      if (value == null || value.contains("\n")) {
        throw invalid("setting " + name, value, "must be one line");
      }
      settings.put(name, value);
      return this;
    }

    /** A pg_hba.conf line, placed before the default lines. */
    public Builder hbaLine(String line) {
      requireText("hbaLine", line);
      if (line.contains("\n")) {
        throw invalid("hbaLine", line, "must be one line");
      }
      hbaLines.add(line);
      return this;
    }

    public Builder extension(String name) {
      extensions.add(requireText("extension", name));
      return this;
    }

    /** An SQL script run in the database at start, after the extensions. */
    public Builder initScript(Path script) {
      if (!Files.isReadable(script)) {
        throw invalid("initScript", script, "is not a readable file");
      }
      initScripts.add(script);
      return this;
    }

    /** A pg_dump file (plain SQL or custom format) restored into the database at start. */
    public Builder dump(Path dump) {
      if (!Files.isReadable(dump)) {
        throw invalid("dump", dump, "is not a readable file");
      }
      this.dump = Optional.of(dump);
      return this;
    }

    /** Where the data directory goes (missing or empty); by default a temporary one. */
    public Builder dataDirectory(Path directory) {
      this.dataDirectory = Optional.of(directory);
      return this;
    }

    /** Where temporary clusters' directories are made; by default /dev/shm or java.io.tmpdir. */
    public Builder dataRoot(Path directory) {
      this.dataRoot = Optional.of(directory);
      return this;
    }

    /** Whether a temporary cluster may go on /dev/shm (default true, when it has room). */
    public Builder ramDisk(boolean enabled) {
      this.ramDisk = enabled;
      return this;
    }

    /** Keep the data directory when the cluster stops, and log where it is. */
    public Builder persist(boolean persist) {
      this.persist = persist;
      return this;
    }

    public Builder startTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw invalid("startTimeout", timeout, "must be positive");
      }
      this.startTimeout = timeout;
      return this;
    }

    /** The unprivileged user that runs the servers when the JVM is root. */
    public Builder runAs(String user) {
      this.runAs = Optional.of(requireText("runAs", user));
      return this;
    }

    public Builder cacheDirectory(Path directory) {
      this.cacheDirectory = Optional.of(directory);
      return this;
    }

    /** Copy a cached initdb result (the default) instead of running initdb every time. */
    public Builder initdbCache(boolean enabled) {
      this.initdbCache = enabled;
      return this;
    }

    public ClusterSettings settings() {
      return new ClusterSettings(
          bin,
          version,
          port,
          socketOnly,
          listenAddress,
          user,
          password,
          passwordAuthentication && !socketOnly,
          scramIterations.orElse(password.isPresent() ? GIVEN_PASSWORD_ITERATIONS : 1),
          database,
          locale,
          encoding,
          java.util.Map.copyOf(settings).isEmpty()
              ? java.util.Map.of()
              : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(settings)),
          List.copyOf(hbaLines),
          List.copyOf(extensions),
          List.copyOf(initScripts),
          dump,
          dataDirectory,
          dataRoot,
          ramDisk,
          persist,
          startTimeout,
          runAs,
          cacheDirectory,
          initdbCache);
    }

    public TempCluster start() {
      return TempCluster.start(settings());
    }

    private static String requireText(String property, String value) {
      if (value == null || value.isBlank()) {
        throw invalid(property, value, "must not be empty");
      }
      return value;
    }

    private static IllegalArgumentException invalid(String property, Object value, String why) {
      return new IllegalArgumentException("invalid " + property + " '" + value + "': " + why + ".");
    }
  }
}
