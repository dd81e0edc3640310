package io.pgisolate.cluster;

import io.pgisolate.PgIsolateException;
import io.pgisolate.binaries.BinariesResolver;
import io.pgisolate.binaries.PgBinaries;
import io.pgisolate.os.CacheDirectory;
import io.pgisolate.os.Directories;
import io.pgisolate.os.RunAs;
import io.pgisolate.os.Text;
import io.pgisolate.sql.Sql;
import io.pgisolate.wire.AdminConnection;
import io.pgisolate.wire.ServerErrorException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnixDomainSocketAddress;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a temporary cluster starts, top-down: resolve the binaries, reap leftovers, lay out the
 * directories, copy the cached initdb result, write the configuration, launch postgres, wait for it
 * by connecting, then set the password and create and load the database. Whatever a failed start
 * made is removed before the failure is thrown.
 */
final class ClusterStart {
  private static final Logger log = LoggerFactory.getLogger(ClusterStart.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  static final Duration STOP_GRACE = Duration.ofSeconds(5);

  /** The port number of a socket-only cluster: it only names the socket file. */
  static final int SOCKET_ONLY_PORT = 5432;

  /** How often a start retries when its free port was taken by someone else meanwhile. */
  private static final int PORT_ATTEMPTS = 5;

  private ClusterStart() {}

  /** Starts a cluster with {@code settings}; whatever a failed start made is removed. */
  static TempCluster start(ClusterSettings settings) {
    LiveClusters.startBegins();
    try {
      LiveClusters.checkNotShuttingDown();
      return startCluster(settings);
    } catch (RuntimeException e) {
      // A start cut short by Ctrl-C fails in whatever step it was in (initdb killed, the server
      // shutting down): report the cause, not that step's symptom.
      LiveClusters.checkNotShuttingDown(e);
      throw e;
    } finally {
      LiveClusters.startEnded();
    }
  }

  private static TempCluster startCluster(ClusterSettings settings) {
    long started = System.nanoTime();
    RunAs runAs = RunAs.resolve(settings.runAs());
    Path cache = CacheDirectory.resolve(settings.cacheDirectory());
    PgBinaries binaries =
        BinariesResolver.resolve(
            BinariesResolver.Request.fromEnvironment(settings.bin(), settings.version(), cache));
    Reaper.reap(ClusterLayout.base(settings));
    ClusterLayout layout = ClusterLayout.create(settings, runAs);
    try {
      long beforeCopy = System.nanoTime();
      makeDataDirectory(settings, binaries, runAs, cache, layout);
      long copied = System.nanoTime();
      ServerConfig.write(
          layout.dataDir, ServerConfig.settings(settings, layout.socketDir), settings.hbaLines());
      // Until the postmaster and its watchdog run, only this thread removes what it made.
      LiveClusters.checkNotShuttingDown();
      TempCluster cluster = launch(settings, binaries, runAs, layout);
      long now = System.nanoTime();
      log.debug(
          "Started {} in {} ms (preparing {} ms, data directory {} ms, server {} ms)",
          cluster,
          (now - started) / 1_000_000,
          (beforeCopy - started) / 1_000_000,
          (copied - beforeCopy) / 1_000_000,
          (now - copied) / 1_000_000);
      return cluster;
    } catch (ClusterStartException e) {
      layout.delete();
      throw e;
    } catch (RuntimeException e) {
      String tail = Text.tail(layout.logFile, 20);
      layout.delete();
      if (e instanceof PgIsolateException p && !(e instanceof ServerErrorException)) {
        throw new ClusterStartException(p.getMessage(), tail, layout.dataDir, e);
      }
      throw new ClusterStartException(
          "PostgreSQL could not be started: " + e.getMessage() + ".", tail, layout.dataDir, e);
    }
  }

  private static void makeDataDirectory(
      ClusterSettings s, PgBinaries binaries, RunAs runAs, Path cache, ClusterLayout layout) {
    InitDb initdb =
        new InitDb(binaries, runAs, s.user(), s.locale(), s.encoding(), s.passwordAuthentication());
    if (s.initdbCache()) {
      Path cached = InitDbCache.get(cache, initdb, s.startTimeout().plusMinutes(1));
      try {
        Directories.copyTree(cached, layout.dataDir);
      } catch (UncheckedIOException e) {
        throw copyFailed(layout, e.getCause());
      }
    } else {
      initdb.run(layout.dataDir, s.startTimeout());
    }
  }

  /** Typically a full disk (a full /dev/shm, a small tmpfs): say which, and where to go instead. */
  private static PgIsolateException copyFailed(ClusterLayout layout, IOException e) {
    String reason =
        e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.toString();
    return new PgIsolateException(
        "cannot copy the cached initdb result into "
            + layout.dataDir
            + ": "
            + reason
            + ". Hint: free space under "
            + (layout.externalData ? layout.dataDir.getParent() : layout.base.getParent())
            + ", or choose another location with the "
            + (layout.externalData
                ? "data directory option (-D)."
                : "data-root option (--data-root)."),
        e);
  }

  /** Starts the postmaster, on another free port when the chosen one was taken meanwhile. */
  private static TempCluster launch(
      ClusterSettings s, PgBinaries binaries, RunAs runAs, ClusterLayout layout) {
    for (int attempt = 1; ; attempt++) {
      int port = s.port().orElseGet(() -> s.socketOnly() ? SOCKET_ONLY_PORT : freePort(s));
      Postmaster postmaster;
      Watchdog watchdog;
      try {
        postmaster =
            Postmaster.launch(
                binaries, runAs, layout.dataDir, port, layout.socketDir, layout.logFile);
      } catch (IOException e) {
        throw new ClusterStartException(
            "could not run " + binaries.postgres() + ": " + e.getMessage() + ".",
            "",
            layout.dataDir,
            e);
      }
      try {
        watchdog = Watchdog.start(postmaster.pid(), leftovers(s, layout));
      } catch (IOException e) {
        postmaster.stop(null, STOP_GRACE);
        throw new UncheckedIOException("could not start the cluster's watchdog", e);
      }
      String password = s.password().orElseGet(ClusterStart::randomPassword);
      TempCluster cluster =
          new TempCluster(s, binaries, layout, postmaster, watchdog, port, password);
      try {
        initialize(s, binaries, layout, postmaster, port, password);
        LiveClusters.add(cluster);
        return cluster;
      } catch (PortTakenException e) {
        postmaster.stop(watchdog, STOP_GRACE);
        if (s.port().isPresent() || attempt == PORT_ATTEMPTS) {
          throw new ClusterStartException(
              "port "
                  + port
                  + " is already in use. Hint: choose another port, or leave the port"
                  + " unset to get a free one.",
              Text.tail(layout.logFile, 10),
              layout.dataDir,
              null);
        }
        log.debug("Port {} was taken meanwhile; trying another", port);
      } catch (RuntimeException e) {
        postmaster.stop(watchdog, STOP_GRACE);
        throw e;
      }
    }
  }

  private static List<Path> leftovers(ClusterSettings s, ClusterLayout layout) {
    if (s.persist()) {
      return List.of();
    }
    List<Path> paths = new ArrayList<>();
    if (layout.externalData) {
      paths.add(layout.dataDir);
    }
    paths.add(layout.workDir);
    paths.add(layout.base.resolve(layout.id + ClusterLayout.LOCK_SUFFIX));
    return paths;
  }

  private static final class PortTakenException extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  /** Waits for the server, then sets the password and creates and loads the database. */
  private static void initialize(
      ClusterSettings settings,
      PgBinaries binaries,
      ClusterLayout layout,
      Postmaster postmaster,
      int port,
      String password) {
    Duration timeout = settings.startTimeout();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (AdminConnection admin = postmaster.awaitReady(settings.user(), "postgres", timeout)) {
      if (settings.passwordAuthentication()) {
        String verifier = Scram.verifier(password, settings.scramIterations(), RANDOM);
        admin.query(
            "ALTER ROLE " + Sql.identifier(settings.user()) + " PASSWORD " + Sql.literal(verifier));
      }
      if (!settings.database().equals("postgres")) {
        admin.query("CREATE DATABASE " + Sql.identifier(settings.database()));
      }
    } catch (Postmaster.PostmasterExitedException e) {
      String logText = Text.tail(layout.logFile, 200);
      if (logText.contains("Address already in use")) {
        throw new PortTakenException();
      }
      throw new ClusterStartException(
          "PostgreSQL exited during start-up with code "
              + e.exitCode
              + ": "
              + lastFatal(logText)
              + ". Hint: see the server log below; "
              + "check the extra settings and pg_hba lines.",
          Text.tail(logText, 15),
          layout.dataDir,
          e);
    } catch (TimeoutException e) {
      throw new ClusterStartException(
          "PostgreSQL did not accept connections within "
              + timeout.toMillis()
              + " ms. Hint: raise the start timeout (--start-timeout) on a slow machine.",
          Text.tail(layout.logFile, 15),
          layout.dataDir,
          e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!settings.extensions().isEmpty() || !settings.initScripts().isEmpty()) {
      Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
      try (AdminConnection db =
          AdminConnection.open(
              UnixDomainSocketAddress.of(postmaster.socket()),
              settings.user(),
              settings.database(),
              left)) {
        InitSql.createExtensions(db, settings.extensions());
        for (Path script : settings.initScripts()) {
          InitSql.runScript(db, script);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    settings
        .dump()
        .ifPresent(
            dump ->
                InitSql.restoreDump(
                    dump,
                    binaries,
                    layout.socketDir,
                    port,
                    settings.user(),
                    settings.database(),
                    Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))));
  }

  /**
   * The reason in a failed server's log: its last FATAL (or PANIC) line; for a configuration file
   * "contains errors", the line before it, which names the bad setting.
   */
  static String lastFatal(String logText) {
    List<String> lines = logText.lines().toList();
    for (int i = lines.size() - 1; i >= 0; i--) {
      String line = lines.get(i);
      if (line.contains("FATAL:") || line.contains("PANIC:")) {
        String reason = severityStripped(line);
        if (reason.contains("contains errors") && i > 0) {
          return severityStripped(lines.get(i - 1)) + " (" + reason + ")";
        }
        return reason;
      }
    }
    return Text.tail(logText, 1).strip();
  }

  private static String severityStripped(String line) {
    return line.replaceFirst("^.*?(FATAL|PANIC|LOG|ERROR):\\s*", "");
  }

  private static int freePort(ClusterSettings s) {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(s.listenAddress()))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new PgIsolateException(
          "cannot find a free port on "
              + s.listenAddress()
              + ": "
              + e.getMessage()
              + ". Hint: check the listen address.",
          e);
    }
  }

  private static String randomPassword() {
    String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    StringBuilder b = new StringBuilder(24);
    for (int i = 0; i < 24; i++) {
      b.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return b.toString();
  }
}
