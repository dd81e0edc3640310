package io.pgisolate.cli;

import io.pgisolate.binaries.BinariesResolver;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.os.CacheDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options of every command that starts a temporary cluster. */
final class ClusterOptions {
  @Option(
      names = "--pg-bin",
      paramLabel = "DIR",
      description = "bin directory of a PostgreSQL installation (env PGISOLATE_PG_BIN)")
  Path pgBin;

  @Option(
      names = "--pg-version",
      paramLabel = "VERSION",
      description =
          "PostgreSQL version from Maven Central, e.g. 17 (env PGISOLATE_PG_VERSION; default: the"
              + " bundled one)")
  String pgVersion;

  @Option(
      names = {"-p", "--port"},
      description = "TCP port (default: a free one)")
  Integer port;

  @Option(names = "--socket-only", description = "listen on a UNIX socket only, no TCP")
  boolean socketOnly;

  @Option(
      names = "--listen",
      paramLabel = "ADDRESS",
      description = "TCP listen address (default 127.0.0.1)")
  String listen;

  @Option(
      names = {"-U", "--user"},
      description = "superuser name (default postgres)")
  String user;

  @Option(names = "--password", description = "superuser password (default: a random one)")
  String password;

  @Option(names = "--trust", description = "no password on TCP either (trust authentication)")
  boolean trust;

  @Option(
      names = {"-d", "--database"},
      description = "database to create and hand out (default postgres)")
  String database;

  @Option(names = "--locale", description = "cluster locale (default C)")
  String locale;

  @Option(names = "--encoding", description = "cluster encoding (default UTF8)")
  String encoding;

  @Option(
      names = {"-c", "--set"},
      paramLabel = "NAME=VALUE",
      description = "postgresql.conf setting (repeatable)")
  Map<String, String> settings = new LinkedHashMap<>();

  @Option(
      names = "--hba",
      paramLabel = "LINE",
      description = "pg_hba.conf line, put first (repeatable)")
  List<String> hbaLines = new ArrayList<>();

  @Option(
      names = "--extension",
      paramLabel = "NAME",
      description = "extension to create (repeatable)")
  List<String> extensions = new ArrayList<>();

  @Option(
      names = {"-f", "--init-sql"},
      paramLabel = "FILE",
      description = "SQL script to run at start (repeatable)")
  List<Path> initScripts = new ArrayList<>();

  @Option(names = "--dump", paramLabel = "FILE", description = "pg_dump file to restore at start")
  Path dump;

  @Option(
      names = {"-D", "--data-dir"},
      paramLabel = "DIR",
      description = "data directory (missing or empty; default: a temporary one)")
  Path dataDir;

  @Option(
      names = "--data-root",
      paramLabel = "DIR",
      description = "where temporary clusters go (default /dev/shm, else the temp directory)")
  Path dataRoot;

  @Option(names = "--no-ram-disk", description = "do not put the cluster on /dev/shm")
  boolean noRamDisk;

  @Option(
      names = "--persist",
      description = "keep the data directory at exit and print where it is")
  boolean persist;

  @Option(
      names = "--start-timeout",
      paramLabel = "SECONDS",
      description = "how long start-up may take (default 60)")
  Double startTimeoutSeconds;

  @Option(
      names = "--run-as",
      paramLabel = "USER",
      description =
          "user that runs the server when pgisolate runs as root (default postgres, else nobody)")
  String runAs;

  @Option(
      names = "--cache-dir",
      paramLabel = "DIR",
      description = "cache of binaries and initdb results")
  Path cacheDir;

  @Option(
      names = "--no-initdb-cache",
      description = "run initdb every time instead of copying a cached result")
  boolean noInitdbCache;

  @Option(
      names = {"-v", "--verbose"},
      description = "log every step, and show stack traces")
  boolean verbose;

  TempCluster.Builder builder() {
    checkConflicts();
    checkPaths();
    TempCluster.Builder b = TempCluster.builder();
    if (pgBin != null) {
      b.binaries(pgBin);
    } else if (pgVersion != null) {
      b.version(pgVersion);
    } else if (System.getenv(BinariesResolver.BIN_ENV) == null
        && System.getenv(BinariesResolver.VERSION_ENV) == null) {
      b.version(BuildInfo.bundledMajor());
    }
    if (port != null) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(
            "-p/--port must be between 1 and 65535, but is "
                + port
                + ". Hint: leave it out for a free port.");
      }
      b.port(port);
    }
    if (socketOnly) {
      b.socketOnly();
    }
    if (listen != null) {
      b.listenAddress(listen);
    }
    if (user != null) {
      b.user(user);
    }
    if (password != null) {
      b.password(password);
    }
    b.passwordAuthentication(!trust);
    if (database != null) {
      b.database(database);
    }
    if (locale != null) {
      b.locale(locale);
    }
    if (encoding != null) {
      b.encoding(encoding);
    }
    settings.forEach(b::setting);
    hbaLines.forEach(b::hbaLine);
    extensions.forEach(b::extension);
    initScripts.forEach(b::initScript);
    if (dump != null) {
      b.dump(dump);
    }
    if (dataDir != null) {
      b.dataDirectory(dataDir);
    }
    if (dataRoot != null) {
      b.dataRoot(dataRoot);
    }
    b.ramDisk(!noRamDisk);
    b.persist(persist);
    if (startTimeoutSeconds != null) {
      b.startTimeout(startTimeout(startTimeoutSeconds));
    }
    if (runAs != null) {
      b.runAs(runAs);
    }
    if (cacheDir != null) {
      b.cacheDirectory(cacheDir);
    }
    b.initdbCache(!noInitdbCache);
    return b;
  }

  private static final double MAX_START_TIMEOUT_SECONDS = 86400;

  private static Duration startTimeout(double seconds) {
    String problem =
        !(seconds > 0) // NaN too
            ? "more than 0 seconds"
            : seconds > MAX_START_TIMEOUT_SECONDS ? "at most 86400 seconds (a day)" : null;
    if (problem != null) {
      throw new IllegalArgumentException(
          "--start-timeout must be "
              + problem
              + ", but is "
              + (Double.isFinite(seconds)
                  ? new java.math.BigDecimal(Double.toString(seconds))
                      .stripTrailingZeros()
                      .toPlainString()
                  : Double.toString(seconds))
              + ". Hint: give the seconds start-up may take, e.g. --start-timeout 120 on a slow"
              + " machine, or leave it out for the default, 60.");
    }
    // Up, not to the nearest: 0.0001 s is a (hopeless) timeout, not an invalid zero.
    return Duration.ofMillis((long) Math.ceil(seconds * 1000));
  }

  /** Options that contradict each other: one would be silently ignored. */
  private void checkConflicts() {
    if (pgBin != null && pgVersion != null) {
      throw new IllegalArgumentException(
          "--pg-bin and --pg-version both say which PostgreSQL to use. Hint: give only one of"
              + " them.");
    }
    if (socketOnly && listen != null) {
      throw new IllegalArgumentException(
          "--listen has no effect with --socket-only, which listens on no TCP address. Hint:"
              + " drop one of them.");
    }
  }

  /** Files and directories are checked before anything starts, and named by their option. */
  private void checkPaths() {
    for (Path script : initScripts) {
      requireReadableFile("-f/--init-sql", script, "an SQL script");
    }
    if (dump != null) {
      requireReadableFile("--dump", dump, "a pg_dump file");
    }
    String cacheEnv = System.getenv(CacheDirectory.ENV);
    if (cacheDir != null) {
      requireDirectoryOrCreatable("--cache-dir", cacheDir, false);
    } else if (cacheEnv != null && !cacheEnv.isBlank()) {
      requireDirectoryOrCreatable(CacheDirectory.ENV, Path.of(cacheEnv), false);
    }
    if (dataRoot != null) {
      requireDirectoryOrCreatable("--data-root", dataRoot, true);
    }
  }

  private static void requireReadableFile(String option, Path file, String what) {
    // Neither exists nor notExists: a directory above it is closed to this user.
    String problem =
        Files.notExists(file)
            ? "no such file"
            : !Files.exists(file)
                ? "permission denied"
                : Files.isDirectory(file)
                    ? "it is a directory"
                    : !Files.isReadable(file) ? "permission denied" : null;
    if (problem != null) {
      throw new IllegalArgumentException(
          option + " " + file + ": " + problem + ". Hint: give " + what + " you can read.");
    }
  }

  /**
   * A directory pgisolate may create: an existing one, or, when {@code parentMustExist}, one whose
   * parent exists (a misspelt path is not made into a tree of directories), else one under
   * directories only.
   */
  private static void requireDirectoryOrCreatable(
      String option, Path dir, boolean parentMustExist) {
    Path absolute = dir.toAbsolutePath().normalize();
    if (Files.isDirectory(absolute)) {
      return;
    }
    if (Files.exists(absolute)) {
      throw new IllegalArgumentException(
          option + " " + dir + " is not a directory. Hint: name a directory, or a new one.");
    }
    Path parent = absolute.getParent();
    if (parentMustExist && parent != null && !Files.isDirectory(parent)) {
      throw new IllegalArgumentException(
          option
              + " "
              + dir
              + ": "
              + parent
              + (Files.exists(parent) ? " is not a directory" : " does not exist")
              + ". Hint: check the path; pgisolate creates only its last directory.");
    }
    for (Path p = parent; p != null; p = p.getParent()) {
      if (Files.exists(p)) {
        if (!Files.isDirectory(p)) {
          throw new IllegalArgumentException(
              option
                  + " "
                  + dir
                  + ": "
                  + p
                  + " is not a directory. Hint: name a directory, or a new one.");
        }
        if (!Files.isWritable(p) || !Files.isExecutable(p)) {
          throw new IllegalArgumentException(
              option
                  + " "
                  + dir
                  + ": cannot create it in "
                  + p
                  + ": permission denied. Hint: name a directory you can write to.");
        }
        return;
      }
    }
  }
}
