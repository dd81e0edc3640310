package io.pgisolate.cli;

import io.netty.channel.unix.DomainSocketAddress;
import io.pgisolate.PgIsolateException;
import io.pgisolate.cluster.JvmExit;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.proxy.BackendTarget;
import io.pgisolate.proxy.ClusterPerConnectionBackend;
import io.pgisolate.proxy.FreshDatabaseBackend;
import io.pgisolate.proxy.ProxyServer;
import io.pgisolate.proxy.auth.ClientAuthentication;
import io.pgisolate.proxy.transactional.TransactionalBackend;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.ClonePool;
import io.pgisolate.template.InitSource;
import io.pgisolate.template.Template;
import io.pgisolate.template.Templates;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "proxy",
    mixinStandardHelpOptions = true,
    versionProvider = PgIsolateCommand.Version.class,
    description = {
      "Run a PostgreSQL wire-protocol proxy in front of its own temporary PostgreSQL (default;"
          + " the cluster options such as --pg-version, -d and -c shape it) or an existing server"
          + " (--backend). Prints how to connect and serves until Ctrl-C or SIGTERM; then stops"
          + " the proxy and its cluster.",
      "",
      "stdout has only unset and export lines for a shell (PGHOST…, DATABASE_URL,"
          + " JDBC_DATABASE_URL, PGISOLATE_PID: the proxy's), and is closed once they are written;"
          + " the rest goes to stderr. Example: eval \"$(pgisolate proxy --mode fresh &)\"; psql;"
          + " kill $PGISOLATE_PID",
      "",
      "--proxy-listen and --proxy-port are where clients connect; --listen and -p are the"
          + " cluster's own address.",
      "",
      "Modes: plain (each client is relayed to the database it names, logged in as the"
          + " backend's user); fresh (each client connection gets a new database, a clone of the"
          + " template built from --template-sql, whatever database it names, dropped when it"
          + " disconnects; --single: all connections share one such database; --per-connection"
          + " cluster: a whole temporary cluster per connection instead of a clone); transactional"
          + " (all clients share one server session; BEGIN TEST 'name' opens a transaction that"
          + " ROLLBACK TEST 'name' undoes with everything every client did meanwhile, while each"
          + " client's own BEGIN/COMMIT/ROLLBACK become savepoints; BEGIN TEST 'name' ON DISCONNECT"
          + " ROLLBACK also rolls it back when the connection that began it closes).",
      "",
      "--persist keeps the cluster's data directory and, in fresh mode, every clone (each"
          + " one's name is logged when its connection ends).",
      "",
      "TLS: with --tls-cert and --tls-key the proxy answers clients' SSLRequest with TLS, and"
          + " accepts PostgreSQL 17's direct TLS (sslnegotiation=direct); --tls-required refuses"
          + " cleartext clients over TCP. TLS covers the clients' side: the proxy's own"
          + " connections to PostgreSQL (--backend included) stay cleartext."
    })
final class ProxyCommand implements Callable<Integer> {
  /** What the proxy can do with a connection. */
  enum Mode {
    plain,
    fresh,
    transactional
  }

  /** What fresh mode gives each connection. */
  enum PerConnection {
    database,
    cluster
  }

  /** How the proxy authenticates its own clients. */
  enum Auth {
    trust,
    scram,
    md5
  }

  @Option(
      names = "--mode",
      description =
          "what each connection gets: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})",
      defaultValue = "plain")
  Mode mode;

  @Option(
      names = "--proxy-listen",
      paramLabel = "ADDRESS",
      description = "address the proxy listens on (default ${DEFAULT-VALUE})",
      defaultValue = "127.0.0.1")
  String listen;

  @Option(
      names = "--proxy-port",
      paramLabel = "PORT",
      description = "TCP port of the proxy (default: a free one)")
  int proxyPort;

  @Option(
      names = "--socket-dir",
      paramLabel = "DIR",
      description = "also listen on DIR/.s.PGSQL.<proxy port>, for libpq's host=DIR")
  Path socketDir;

  @Option(
      names = "--auth",
      description =
          "client authentication by the proxy: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})",
      defaultValue = "trust")
  Auth auth;

  @Option(
      names = "--proxy-user",
      paramLabel = "USER",
      description = "the user clients log in as, with --auth scram or md5")
  String proxyUser;

  @Option(
      names = "--proxy-password",
      paramLabel = "PASSWORD",
      description = "that user's password, with --auth scram or md5")
  String proxyPassword;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description =
          "offer TLS to clients over TCP with this PEM certificate chain (the proxy's certificate"
              + " first; needs --tls-key)")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description =
          "the certificate's private key: unencrypted PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)")
  Path tlsKey;

  @Option(
      names = "--tls-required",
      description =
          "refuse clients over TCP that do not use TLS (needs --tls-cert; the --socket-dir socket"
              + " stays cleartext, as PostgreSQL's does)")
  boolean tlsRequired;

  @Option(
      names = "--backend",
      paramLabel = "URI",
      description =
          "relay to this server instead of a temporary one:"
              + " postgres://user:password@host:port/database")
  String backend;

  @Option(
      names = "--wait-timeout",
      paramLabel = "SECONDS",
      description =
          "transactional mode: how long a client waits for the shared session, or a BEGIN"
              + " TEST for the open test to end, before it fails (default ${DEFAULT-VALUE})",
      defaultValue = "30")
  int waitTimeoutSeconds;

  @Option(
      names = "--proxy-threads",
      paramLabel = "N",
      description = "event loop threads of the proxy (default: the proxy's default)")
  Integer threads;

  @Option(
      names = "--spin-micros",
      paramLabel = "N",
      description =
          "how long the proxy's event loop, out of work, keeps polling before it sleeps (0 to"
              + " 10000; 0 sleeps at once; default 50): saves a wake-up per query when a client"
              + " talks to PostgreSQL back and forth")
  Integer spinMicros;

  @Option(
      names = "--single",
      description = "fresh mode: every connection shares one fresh database (dropped at exit)")
  boolean single;

  @Option(
      names = "--per-connection",
      paramLabel = "WHAT",
      description =
          "fresh mode: what each connection gets: ${COMPLETION-CANDIDATES} (a clone of the"
              + " template, default) or cluster (a whole temporary cluster, seconds instead of"
              + " milliseconds)")
  PerConnection perConnection;

  @Option(
      names = "--template-sql",
      paramLabel = "FILE",
      description =
          "fresh mode: SQL file (or directory of *.sql, run in name order) that builds the"
              + " template every fresh database is cloned from (repeatable; default: an empty"
              + " template)")
  List<Path> templateSql = new ArrayList<>();

  @Mixin ClusterOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    checkModeOptions();
    ClientAuthentication clientAuthentication = clientAuthentication();
    BackendUri existing = backend == null ? null : BackendUri.parse(backend);
    if (existing != null) {
      rejectClusterOptions();
      checkReachable(existing);
    }
    boolean clusterPerConnection = perConnection == PerConnection.cluster;
    List<AutoCloseable> resources = new ArrayList<>(); // closed in reverse order at exit
    TempCluster cluster = null;
    ProxyServer proxy;
    String relayingTo;
    try {
      ProxyServer.Builder builder =
          ProxyServer.builder()
              .listenAddress(listen)
              .port(proxyPort)
              .clientAuthentication(clientAuthentication);
      tls(builder); // reads and checks the files before anything starts
      if (socketDir != null) {
        builder.unixSocketDirectory(socketDir);
      }
      if (threads != null) {
        builder.eventLoopThreads(threads);
      }
      if (spinMicros != null) {
        builder.spinBeforeSleep(Duration.ofNanos(spinMicros * 1000L));
      }
      if (clusterPerConnection) {
        TempCluster.Builder perConnectionBuilder = options.builder();
        templateSql.forEach(perConnectionBuilder::initScript);
        ClusterPerConnectionBackend clusters =
            new ClusterPerConnectionBackend(perConnectionBuilder::start);
        resources.add(clusters);
        builder.backendSelector(clusters);
        relayingTo = "a new temporary PostgreSQL per connection";
      } else {
        SocketAddress address;
        String backendUser;
        String backendPassword;
        PgServer server;
        if (existing != null) {
          address = new InetSocketAddress(existing.host(), existing.port());
          backendUser = existing.user();
          backendPassword = existing.password();
          server = PgServer.fromUrl(backend);
          relayingTo = existing.redacted();
        } else {
          cluster = options.builder().start();
          resources.add(cluster);
          // Its own cluster is reached through the cluster's UNIX socket, whether or not it also
          // listens on TCP: a socket hop costs less kernel work than TCP loopback (pgbench -S: ~14
          // instead of ~16 us of proxy CPU per transaction on 2 cores). PostgreSQL trusts local
          // connections, so no SCRAM exchange is paid per connection either.
          address = new DomainSocketAddress(backendSocket(cluster).toFile());
          backendUser = cluster.user();
          backendPassword = cluster.password();
          server = cluster.server();
          relayingTo =
              "PostgreSQL "
                  + cluster.binaries().version()
                  + " (pid "
                  + cluster.pid()
                  + ") through "
                  + backendSocket(cluster);
        }
        if (mode == Mode.fresh) {
          builder.backendSelector(
              freshBackend(server, address, backendUser, backendPassword, resources));
        } else if (mode == Mode.transactional) {
          String database = existing != null ? existing.database() : cluster.database();
          builder.sharedBackend(
              new TransactionalBackend(
                  new BackendTarget(
                      address, backendUser, backendPassword, Map.of("database", database)),
                  Duration.ofSeconds(waitTimeoutSeconds),
                  Duration.ofSeconds(10)));
        } else if (existing != null) {
          builder
              .backend(existing.host(), existing.port())
              .backendUser(backendUser)
              .backendPassword(backendPassword);
        } else {
          builder
              .backendSocket(backendSocket(cluster))
              .backendUser(backendUser)
              .backendPassword(backendPassword);
        }
      }
      proxy = builder.start();
      resources.add(proxy);
    } catch (RuntimeException e) {
      closeAll(resources);
      throw e;
    }

    CountDownLatch stopped = new CountDownLatch(1);
    TempCluster ownCluster = cluster;
    // Before pgisolate stops its clusters at exit: the proxy's sessions end cleanly first.
    JvmExit.beforeClustersStop(
        () -> {
          closeAll(resources);
          PrintWriter err = spec.commandLine().getErr();
          err.println(
              ownCluster == null
                  ? "Proxy stopped."
                  : options.persist
                      ? "Proxy and PostgreSQL stopped; the data directory is kept at "
                          + ownCluster.dataDirectory()
                      : "Proxy and PostgreSQL stopped and removed.");
          err.flush();
          stopped.countDown();
        });

    String user =
        proxyUser != null
            ? proxyUser
            : existing != null ? existing.user() : cluster != null ? cluster.user() : "postgres";
    String database =
        mode == Mode.fresh ? "fresh" : existing != null ? existing.database() : cluster.database();
    // As temp's: stdout is only what a shell evaluates, closed once written, so that
    // eval "$(pgisolate proxy … &)" returns; everything for the reader goes to stderr.
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    err.println(
        "pgisolate proxy ("
            + mode
            + (mode == Mode.fresh ? ", " + freshDescription() : "")
            + ") listening on "
            + proxy.host()
            + ":"
            + proxy.port()
            + (tlsCert == null ? "" : tlsRequired ? " (TLS required)" : " (TLS offered)")
            + proxy.unixSocket().map(s -> " and " + s).orElse("")
            + ", relaying to "
            + relayingTo
            + ".");
    if (cluster != null) {
      err.println("Data: " + cluster.dataDirectory());
    }
    Map<String, String> env = environment(proxy, user, database);
    err.println("URI:  " + env.get("DATABASE_URL"));
    err.println("JDBC: " + env.get("JDBC_DATABASE_URL"));
    err.flush();
    ClusterEnvironment.handToShell(out, err, env);
    stopped.await();
    return 0;
  }

  private String freshDescription() {
    if (perConnection == PerConnection.cluster) {
      return "a temporary cluster per connection";
    }
    return (single ? "one database shared by every connection" : "a new database per connection")
        + (options.persist ? ", kept" : "");
  }

  /** Each mode's own options are checked before anything starts. */
  private void checkModeOptions() {
    refuseOutside(Mode.fresh, freshOnlyOptionsGiven());
    refuseOutside(
        Mode.transactional, given("--wait-timeout") ? List.of("--wait-timeout") : List.of());
    if (mode == Mode.fresh) {
      checkFreshOptions();
    }
    if (proxyPort < 0 || proxyPort > 65535) {
      throw new IllegalArgumentException(
          "--proxy-port must be between 0 and 65535, but is "
              + proxyPort
              + ". Hint: leave it out (or give 0) for a free port.");
    }
    if (waitTimeoutSeconds <= 0) {
      // Duration.ofSeconds(0) would fail every statement that has to wait for its turn at once.
      throw new IllegalArgumentException(
          "--wait-timeout must be at least 1 second, but is "
              + waitTimeoutSeconds
              + ". Hint: give the seconds a client may wait for the shared session, e.g."
              + " --wait-timeout 30 (the default).");
    }
    if (threads != null && threads < 1) {
      throw new IllegalArgumentException(
          "--proxy-threads must be at least 1, but is "
              + threads
              + ". Hint: leave it out for the default, one event loop per four CPUs.");
    }
    if (spinMicros != null && (spinMicros < 0 || spinMicros > 10_000)) {
      throw new IllegalArgumentException(
          "--spin-micros must be between 0 and 10000, but is "
              + spinMicros
              + ". Hint: 0 makes the event loop sleep as soon as it is out of work; leave it out"
              + " for the default, 50.");
    }
  }

  private List<String> freshOnlyOptionsGiven() {
    List<String> given = new ArrayList<>();
    if (single) {
      given.add("--single");
    }
    if (perConnection != null) {
      given.add("--per-connection");
    }
    if (!templateSql.isEmpty()) {
      given.add("--template-sql");
    }
    return given;
  }

  /** Options that only one mode uses are refused in the others rather than silently ignored. */
  private void refuseOutside(Mode required, List<String> given) {
    if (mode == required || given.isEmpty()) {
      return;
    }
    throw new IllegalArgumentException(
        String.join(", ", given)
            + (given.size() == 1 ? " only applies" : " only apply")
            + " with --mode "
            + required
            + ", but the mode is "
            + mode
            + ". Hint: add --mode "
            + required
            + ", or drop "
            + (given.size() == 1 ? "it." : "them."));
  }

  /** Whether the command line names the option; options with a default value are always set. */
  private boolean given(String option) {
    return spec.commandLine().getParseResult().hasMatchedOption(option);
  }

  private void checkFreshOptions() {
    if (perConnection == PerConnection.cluster) {
      if (single) {
        throw new IllegalArgumentException(
            "--single shares one database, but --per-connection cluster gives each connection a"
                + " cluster of its own. Hint: drop one of them.");
      }
      if (backend != null) {
        throw new IllegalArgumentException(
            "--per-connection cluster starts temporary clusters, but --backend names an existing"
                + " server. Hint: drop --backend, or use --per-connection database.");
      }
    }
    for (Path file : templateSql) {
      if (!Files.exists(file)) {
        throw new IllegalArgumentException(
            "--template-sql "
                + file
                + ": no such file or directory. Hint: give an SQL file, or a directory of *.sql"
                + " files, that you can read.");
      }
    }
  }

  private FreshDatabaseBackend freshBackend(
      PgServer server,
      SocketAddress address,
      String user,
      String password,
      List<AutoCloseable> resources) {
    InitSource source =
        templateSql.isEmpty()
            ? InitSource.empty()
            : InitSource.sql(templateSql.toArray(Path[]::new));
    Template template;
    try {
      template = Templates.ensure(server, source, Duration.ofSeconds(60));
    } catch (PgIsolateException e) {
      if (templateSql.isEmpty() || e.getMessage().contains("Hint:")) {
        throw e;
      }
      throw new PgIsolateException(
          e.getMessage() + " Hint: fix the --template-sql script and rerun.", e);
    }
    ClonePool pool = ClonePool.start(template, ClonePool.Settings.defaults().withPrefix("pgi_p"));
    resources.add(pool);
    FreshDatabaseBackend fresh =
        single
            ? FreshDatabaseBackend.single(pool, address, user, password)
            : FreshDatabaseBackend.perConnection(pool, address, user, password);
    if (options.persist) {
      fresh = fresh.persist();
    }
    resources.add(fresh);
    return fresh;
  }

  /** Closes in reverse order of creation: the proxy, then what it used, the cluster last. */
  private static void closeAll(List<AutoCloseable> resources) {
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        System.err.println("pgisolate: could not close " + resources.get(i) + ": " + e);
      }
    }
    resources.clear();
  }

  private static Path backendSocket(TempCluster cluster) {
    return cluster.socketDirectory().resolve(".s.PGSQL." + cluster.port());
  }

  private void tls(ProxyServer.Builder builder) {
    if (tlsCert == null && tlsKey == null) {
      if (tlsRequired) {
        throw new IllegalArgumentException(
            "--tls-required needs --tls-cert and --tls-key: there is no TLS to require. Hint:"
                + " add --tls-cert FILE --tls-key FILE, or drop --tls-required.");
      }
      return;
    }
    if (tlsCert == null || tlsKey == null) {
      String given = tlsCert == null ? "--tls-key" : "--tls-cert";
      String missing = tlsCert == null ? "--tls-cert" : "--tls-key";
      throw new IllegalArgumentException(
          given
              + " needs "
              + missing
              + ": TLS takes the certificate chain and its private key. Hint: add "
              + missing
              + " FILE.");
    }
    builder.tls(tlsCert, tlsKey).tlsRequired(tlsRequired);
  }

  private ClientAuthentication clientAuthentication() {
    if (auth == Auth.trust) {
      if (proxyUser != null || proxyPassword != null) {
        throw new IllegalArgumentException(
            "--proxy-user and --proxy-password only apply with --auth scram or md5; with --auth"
                + " trust every client is let in. Hint: add --auth scram, or drop them.");
      }
      return ClientAuthentication.trust();
    }
    if (proxyUser == null || proxyPassword == null) {
      throw new IllegalArgumentException(
          "--auth "
              + auth
              + " needs --proxy-user and --proxy-password: the credentials clients log in with."
              + " Hint: --auth "
              + auth
              + " --proxy-user app --proxy-password secret");
    }
    Map<String, String> users = Map.of(proxyUser, proxyPassword);
    return auth == Auth.scram
        ? ClientAuthentication.scramSha256(users)
        : ClientAuthentication.md5(users);
  }

  /** Cluster options describe the temporary cluster, which --backend replaces. */
  private void rejectClusterOptions() {
    Set<OptionSpec> clusterOptions = Set.copyOf(spec.mixins().get("options").options());
    List<String> given =
        spec.commandLine().getParseResult().matchedOptions().stream()
            .filter(clusterOptions::contains)
            .map(OptionSpec::longestName)
            .filter(name -> !name.equals("--verbose"))
            // In fresh mode --persist also keeps the clones made on the existing server.
            .filter(name -> !(mode == Mode.fresh && name.equals("--persist")))
            .toList();
    if (!given.isEmpty()) {
      throw new IllegalArgumentException(
          String.join(", ", given)
              + (given.size() == 1 ? " configures" : " configure")
              + " the temporary cluster, but --backend names an existing server. Hint: drop "
              + (given.size() == 1 ? "it" : "them")
              + ", or drop --backend.");
    }
  }

  /** Fails now, with the reason, rather than at each client's first connection. */
  private static void checkReachable(BackendUri backend) {
    Properties props = new Properties();
    props.setProperty("user", backend.user());
    if (backend.password() != null) {
      props.setProperty("password", backend.password());
    }
    props.setProperty("connectTimeout", "10");
    String url =
        "jdbc:postgresql://"
            + (backend.host().contains(":") ? "[" + backend.host() + "]" : backend.host())
            + ":"
            + backend.port()
            + "/"
            + PgServer.urlPart(backend.database());
    try (Connection ignored = DriverManager.getConnection(url, props)) {
      // Reachable, and the credentials work.
    } catch (SQLException e) {
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof java.net.UnknownHostException) {
          throw new PgIsolateException(
              "cannot connect to the backend "
                  + backend.redacted()
                  + ": unknown host '"
                  + backend.host()
                  + "'. Hint: check the host name in --backend.",
              e);
        }
      }
      throw new PgIsolateException(
          "cannot connect to the backend "
              + backend.redacted()
              + ": "
              + firstLine(e.getMessage())
              + ". Hint: check that the server runs and the URI's user and password.",
          e);
    }
  }

  private Map<String, String> environment(ProxyServer proxy, String user, String database) {
    String host = proxy.host().contains(":") ? "[" + proxy.host() + "]" : proxy.host();
    String password = auth == Auth.trust ? null : proxyPassword;
    Map<String, String> env = new LinkedHashMap<>();
    env.put(
        "DATABASE_URL",
        "postgresql://"
            + PgServer.urlPart(user)
            + (password == null ? "" : ":" + PgServer.urlPart(password))
            + "@"
            + host
            + ":"
            + proxy.port()
            + "/"
            + PgServer.urlPart(database));
    env.put(
        "JDBC_DATABASE_URL",
        "jdbc:postgresql://"
            + host
            + ":"
            + proxy.port()
            + "/"
            + PgServer.urlPart(database)
            + "?user="
            + PgServer.urlPart(user)
            + (password == null ? "" : "&password=" + PgServer.urlPart(password)));
    env.put("PGHOST", proxy.host());
    env.put("PGPORT", Integer.toString(proxy.port()));
    env.put("PGUSER", user);
    if (password != null) {
      env.put("PGPASSWORD", password);
    }
    env.put("PGDATABASE", database);
    return env;
  }

  private static String firstLine(String text) {
    return text == null ? "" : text.lines().findFirst().orElse("").replaceAll("\\.$", "");
  }
}
