package io.pgisolate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class CliIT {
  @RegisterExtension final Cli cli = new Cli();

  @Test
  void runSetsTheEnvironmentAndReturnsTheCommandsExitCode(@TempDir Path dir) throws Exception {
    Path env = dir.resolve("env");
    int exit =
        cli.run(
            "run",
            "--",
            "sh",
            "-c",
            "env | grep -E '^(DATABASE_URL|JDBC_DATABASE_URL|PG[A-Z]+)=' | sort > "
                + env
                + "; exit 7");
    assertThat(exit).isEqualTo(7);
    Map<String, String> vars = new java.util.HashMap<>();
    for (String line : Files.readAllLines(env)) {
      vars.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
    }
    assertThat(vars)
        .containsKeys(
            "DATABASE_URL",
            "JDBC_DATABASE_URL",
            "PGHOST",
            "PGPORT",
            "PGUSER",
            "PGPASSWORD",
            "PGDATABASE");
    assertThat(vars.get("DATABASE_URL")).startsWith("postgresql://postgres:");
    assertThat(vars.get("PGHOST")).isEqualTo("127.0.0.1");
  }

  @Test
  void libpqVariablesThatWouldTakeTheCommandElsewhereAreUnset() throws Exception {
    // A developer's shell may point libpq at their usual server: PGHOSTADDR wins over PGHOST.
    Process run =
        cli.start(
            null,
            Map.of(
                "PGHOSTADDR", "192.0.2.1",
                "PGSERVICE", "no-such-service",
                "PGSSLMODE", "require",
                "PGTARGETSESSIONATTRS", "standby"),
            "run",
            "--",
            "psql",
            "-Atc",
            "select 42");
    assertThat(Cli.stderr(run)).isEmpty();
    assertThat(run.exitValue()).isZero();
    assertThat(new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .isEqualTo("42\n");
  }

  @Test
  void runGivesTheCommandAWorkingDatabase(@TempDir Path dir) throws Exception {
    Path result = dir.resolve("result");
    String self = "java -cp " + System.getProperty("java.class.path") + " " + Main.class.getName();
    int exit =
        cli.run(
            "run",
            "-d",
            "shop",
            "--",
            "sh",
            "-c",
            self + " sql 'select current_database()' > " + result);
    assertThat(exit).isZero();
    assertThat(Files.readString(result)).isEqualTo("current_database\nshop\n(1 row)\n");
  }

  @Test
  void unknownFlagIsOneLineWithHint() {
    assertThat(cli.run("temp", "--bogus")).isEqualTo(2);
    assertThat(cli.err())
        .isEqualTo("pgisolate: Unknown option: '--bogus'. Hint: see 'pgisolate temp --help'.\n");
  }

  @Test
  void missingCommandForRun() {
    assertThat(cli.run("run")).isEqualTo(2);
    assertThat(cli.err()).startsWith("pgisolate: Missing required parameter: 'CMD'");
  }

  @Test
  void theCommandsOwnOptionsNeedNoDoubleDash() {
    // As with env or sudo: what follows the command's name is the command's, -c included.
    assertThat(cli.run("run", "-d", "shop", "sh", "-c", "test \"$PGDATABASE\" = shop && exit 5"))
        .isEqualTo(5);
    // No error line; an [INFO] line of the reaper, removing another JVM's leftover, may be there.
    assertThat(cli.err()).doesNotContain("pgisolate:");
  }

  @Test
  void aDashVOfTheCommandDoesNotMakePgisolateVerbose() throws Exception {
    // psql -v ON_ERROR_STOP=1, grep -v: CMD's, not pgisolate's --verbose.
    Process run = cli.start("run", "--", "sh", "-c", "exit 0", "-v");
    assertThat(Cli.stderr(run)).doesNotContain("DEBUG").doesNotContain("pgisolate:");
    assertThat(run.exitValue()).isZero();
  }

  @Test
  void aCommandThatIsNotThereExits127AsInAShell() {
    assertThat(cli.run("run", "--", "no-such-program-xyz")).isEqualTo(127);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: could not run 'no-such-program-xyz': Cannot run program"
                + " \"no-such-program-xyz\": error=2, No such file or directory. Hint: check the"
                + " command after -- (is it installed and on the PATH?).\n");
  }

  @Test
  void aCommandThatCannotBeExecutedExits126AsInAShell(@TempDir Path dir) throws Exception {
    Path script = Files.writeString(dir.resolve("script.sh"), "#!/bin/sh\nexit 0\n");
    for (Path notExecutable : List.of(script, dir)) {
      assertThat(cli.run("run", "--", notExecutable.toString())).isEqualTo(126);
      assertThat(cli.err())
          .isEqualTo(
              "pgisolate: could not run '"
                  + notExecutable
                  + "': Cannot run program \""
                  + notExecutable
                  + "\": error=13, Permission denied. Hint: check that it is an executable file"
                  + " (chmod +x), not a directory.\n");
    }
  }

  @Test
  void sqlPrintsEveryResultOfAStringWithSeveralStatements() {
    try (io.pgisolate.cluster.TempCluster pg = io.pgisolate.cluster.TempCluster.builder().start()) {
      assertThat(
              cli.run(
                  "sql",
                  "--url",
                  pg.jdbcUrl(),
                  "create table t (i int); insert into t values (1), (2); select 'a' as x;"
                      + " select count(*) from t",
                  "select 3 as y"))
          .isZero();
      assertThat(cli.out())
          .isEqualTo(
              "OK, 0 rows affected\nOK, 2 rows affected\nx\na\n(1 row)\ncount\n2\n(1 row)\n"
                  + "y\n3\n(1 row)\n");
      assertThat(cli.err()).isEmpty();
    }
  }

  @Test
  void sqlWithAnEmptyUrlSaysSo() {
    assertThat(cli.run("sql", "--url", "", "select 1")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --url is empty. Hint: give a JDBC URL,"
                + " jdbc:postgresql://host:port/database?user=NAME&password=SECRET, or leave it out"
                + " for $JDBC_DATABASE_URL.\n");
  }

  @Test
  void sqlWithAPostgresUriInsteadOfAJdbcUrlSaysWhatToGive() {
    assertThat(cli.run("sql", "--url", "postgres://app:secret@localhost/db", "select 1"))
        .isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: cannot connect to postgres://app:***@localhost/db: it is not a JDBC URL."
                + " Hint: --url takes jdbc:postgresql://host:port/database?user=NAME&password=SECRET.\n");
  }

  @Test
  void sqlThatCannotConnectIsOneLineWithAHint() {
    assertThat(
            cli.run("sql", "--url", "jdbc:postgresql://127.0.0.1:1/x?password=secret", "select 1"))
        .isEqualTo(1);
    assertThat(cli.err())
        .startsWith(
            "pgisolate: cannot connect to jdbc:postgresql://127.0.0.1:1/x?password=***: Connection"
                + " to 127.0.0.1:1 refused.")
        .endsWith(
            ". Hint: check that the server runs, and the URL's host, port, user and password.\n")
        .doesNotContain("secret", "..", "Exception");
    assertThat(cli.err().lines()).hasSize(1);
  }

  @Test
  void theJdbcDriversOwnWarningsStayOffStderr() throws Exception {
    // pgjdbc logs "WARNING: JDBC URL port: 99999 not valid" through java.util.logging, on two
    // lines of its own above pgisolate's one.
    Process sql = cli.start("sql", "--url", "jdbc:postgresql://127.0.0.1:99999/app", "select 1");
    assertThat(sql.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(sql.exitValue()).isEqualTo(1);
    assertThat(new String(sql.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
        .startsWith("pgisolate: cannot connect to jdbc:postgresql://127.0.0.1:99999/app: ")
        .hasLineCount(1);
  }

  @Test
  void aLocaleTypoNamesInitdbsErrorNotItsHint() {
    assertThat(cli.run("run", "--locale", "xx_YY", "--", "true")).isEqualTo(1);
    assertThat(cli.err().lines().findFirst().orElseThrow())
        .startsWith(
            "pgisolate: initdb failed with exit code 1: invalid locale name \"xx_YY\". Hint: check"
                + " the locale (xx_YY)")
        .doesNotContain(".building-");
  }

  @Test
  void initdbFailureWithACacheDirNamesTheCacheNotItsTemporaryDirectory(@TempDir Path dir) {
    Path cache = dir.resolve("cache");
    assertThat(cli.run("run", "--cache-dir", cache.toString(), "--locale", "xx_YY", "--", "true"))
        .isEqualTo(1);
    assertThat(cli.err().lines().findFirst().orElseThrow())
        .endsWith(
            " Hint: check the locale (xx_YY) and encoding (UTF8) and that the initdb cache "
                + cache.resolve("initdb")
                + " is writable.");
  }

  @Test
  void aDumpThatIsNotSqlNamesPsqlsErrorNotItsCaret(@TempDir Path dir) throws Exception {
    Path dump = Files.writeString(dir.resolve("garbage.sql"), "garbage\n");
    assertThat(cli.run("run", "--dump", dump.toString(), "--", "true")).isEqualTo(1);
    assertThat(cli.err().lines().findFirst().orElseThrow())
        .isEqualTo(
            "pgisolate: restoring "
                + dump
                + " failed (exit 3): psql:"
                + dump
                + ":1: ERROR:  syntax error at or near \"garbage\". Hint: is it a pg_dump file of a"
                + " compatible version?");
  }

  @Test
  void startTimeoutThatIsNotPositiveNamesTheOption() {
    for (String seconds : new String[] {"0", "-5", "NaN"}) {
      assertThat(cli.run("run", "--start-timeout", seconds, "--", "true")).isEqualTo(1);
      assertThat(cli.err())
          .isEqualTo(
              "pgisolate: --start-timeout must be more than 0 seconds, but is "
                  + seconds
                  + ". Hint: give the seconds start-up may take, e.g. --start-timeout 120 on a slow"
                  + " machine, or leave it out for the default, 60.\n");
    }
  }

  @Test
  void missingBinariesListWhatWasTried() {
    assertThat(cli.run("run", "--pg-bin", "/nonexistent", "--", "true")).isEqualTo(1);
    assertThat(cli.err())
        .startsWith("pgisolate: no PostgreSQL binaries in /nonexistent (tried: ")
        .endsWith(".\n");
    assertThat(cli.err().lines()).hasSize(1);
  }

  @Test
  void aDataRootTheServersUserCannotPassThroughIsNamedBeforeAnythingStarts(@TempDir Path dir)
      throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        io.pgisolate.os.OsUser.current().isRoot(), "the server runs as another user for root only");
    Files.setPosixFilePermissions(
        dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Path root = Files.createDirectory(dir.resolve("closed"));
    Files.setPosixFilePermissions(
        root, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    String serverUser = io.pgisolate.os.RunAs.resolve(java.util.Optional.empty()).user().name();
    assertThat(cli.run("run", "--data-root", root.toString(), "--", "true")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: the data root "
                + root
                + " is closed to user "
                + serverUser
                + ", who runs the server: it cannot pass through "
                + root
                + " (rwx------, owner root). Hint: choose a data root every user can pass"
                + " through (--data-root /tmp), or open this directory (chmod o+x "
                + root
                + ").\n");
    try (var left = Files.list(root)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void aMavenRepositoryThatIsNotAUrlIsNamedWithAHint() throws Exception {
    // A version no cache holds, so that it has to be downloaded.
    Process run =
        cli.start(
            null,
            Map.of("PGISOLATE_MAVEN_REPOSITORY", "repo.example.com/maven2"),
            "run",
            "--pg-version",
            "16.99.0",
            "--",
            "true");
    assertThat(Cli.stderr(run))
        .isEqualTo(
            "pgisolate: the Maven repository 'repo.example.com/maven2'"
                + " (PGISOLATE_MAVEN_REPOSITORY) is not an http or https URL. Hint: give a Maven repository's address, e.g."
                + " https://repo1.maven.org/maven2, or unset it for Maven Central.\n");
    assertThat(run.exitValue()).isEqualTo(1);
  }

  @Test
  void aCacheDirectoryVariableThatIsAFileIsNamed(@TempDir Path dir) throws Exception {
    Path file = Files.createFile(dir.resolve("file"));
    Process run =
        cli.start(null, Map.of("PGISOLATE_CACHE_DIR", file.toString()), "run", "--", "true");
    assertThat(Cli.stderr(run))
        .isEqualTo(
            "pgisolate: PGISOLATE_CACHE_DIR "
                + file
                + " is not a directory. Hint: name a directory, or a new one.\n");
    assertThat(run.exitValue()).isEqualTo(1);
  }

  @Test
  void aRelativeDataRootIsTakenFromTheWorkingDirectory(@TempDir Path dir) throws Exception {
    // The server runs in another working directory: it was handed the relative path as it was.
    Files.setPosixFilePermissions(
        dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Path pgdata = dir.resolve("pgdata");
    Process run =
        cli.start(
            dir,
            Map.of(),
            "run",
            "--data-root",
            "root",
            "--",
            "sh",
            "-c",
            "java -cp '"
                + System.getProperty("java.class.path")
                + "' "
                + Main.class.getName()
                + " sql 'show data_directory' > "
                + pgdata);
    assertThat(Cli.stderr(run)).isEmpty();
    assertThat(run.exitValue()).isZero();
    assertThat(Files.readString(pgdata))
        .startsWith("data_directory\n" + dir.toRealPath().resolve("root").resolve("pgisolate-"));
  }

  @Test
  void startFailureShowsTheServerLog() {
    assertThat(cli.run("run", "-c", "shared_buffers=lots", "--", "true")).isEqualTo(1);
    assertThat(cli.err())
        .startsWith("pgisolate: PostgreSQL exited during start-up with code 1: ")
        .contains("Server log (last lines):");
  }

  @Test
  void tempServesUntilInterruptedThenCleansUp() throws Exception {
    Process temp = cli.start("temp", "-d", "demo");
    // What is for people (stdout is for a shell to evaluate).
    BufferedReader lines =
        new BufferedReader(new InputStreamReader(temp.getErrorStream(), StandardCharsets.UTF_8));
    String jdbc = null;
    Path data = null;
    String line;
    while ((line = lines.readLine()) != null && !line.startsWith("Press Ctrl-C")) {
      if (line.startsWith("JDBC: ")) {
        jdbc = line.substring(6);
      } else if (line.startsWith("Data: ")) {
        data = Path.of(line.substring(6));
      }
    }
    assertThat(jdbc).isNotNull();
    try (Connection c = DriverManager.getConnection(jdbc);
        ResultSet rs = c.createStatement().executeQuery("select current_database()")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("demo");
    }
    long postmaster = postmasterPid(data);
    assertThat(io.pgisolate.os.Signals.send(temp.pid(), "INT")).isTrue(); // Ctrl-C
    assertThat(temp.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(data).doesNotExist();
    assertThat(ProcessHandle.of(postmaster)).isEmpty();
    assertThat(String.join("\n", lines.lines().toList())).contains("Stopped and removed.");
  }

  @Test
  void tempPrintsOnlyWhatAShellEvalsAndPsqlThenReachesItDespiteTheShellsLibpqVariables(
      @TempDir Path dir) throws Exception {
    // The README's way: eval "$(pgisolate temp &)". The pid file is the test's, to end it should
    // the eval never return.
    Path pidFile = dir.resolve("pid");
    Path printed = dir.resolve("printed");
    Process bash =
        cli.bash(
            dir,
            Map.of(
                "PGHOSTADDR", "192.0.2.1",
                "PGSERVICE", "no-such-service",
                "PGSSLMODE", "require",
                "PGCONNECT_TIMEOUT", "5"),
            // To a file: Java closes its pipe from bash when bash exits, but temp writes on.
            "exec 2> stderr; out=\"$("
                + Cli.shellCommand()
                + " temp & echo $! > pid)\"; printf '%s\\n' \"$out\" > printed; eval \"$out\";"
                + " echo \"$PGISOLATE_PID\"; psql -XAtc 'select 42'");
    long pid = 0;
    try {
      assertThat(bash.waitFor(60, TimeUnit.SECONDS)).as("eval returned in time").isTrue();
      pid = Long.parseLong(Files.readString(pidFile).strip());
      assertThat(Files.readAllLines(printed))
          .allMatch(l -> l.startsWith("export ") || l.startsWith("unset "), "export or unset")
          .anyMatch(l -> l.startsWith("unset ") && l.contains(" PGSERVICE"));
      String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(out).isEqualTo(pid + "\n42\n");
      assertThat(bash.exitValue()).isZero();
      // SIGTERM, as 'kill $PGISOLATE_PID' sends: it stops and removes the cluster.
      assertThat(io.pgisolate.os.Signals.send(pid, "TERM")).isTrue();
      ProcessHandle.of(pid)
          .ifPresent(
              temp ->
                  assertThat(temp.onExit().completeOnTimeout(null, 30, TimeUnit.SECONDS).join())
                      .as("pgisolate temp ended in time")
                      .isNotNull());
      String err = Files.readString(dir.resolve("stderr"));
      assertThat(err).contains("Stopped and removed.");
      Path data =
          Path.of(
              err.lines()
                  .filter(l -> l.startsWith("Data: "))
                  .findFirst()
                  .orElseThrow()
                  .substring(6));
      assertThat(data).doesNotExist();
    } finally {
      if (pid == 0 && Files.exists(pidFile)) {
        pid = Long.parseLong(Files.readString(pidFile).strip());
      }
      if (pid != 0) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  @Test
  void runStopsCommandAndClusterOnSigterm(@TempDir Path dir) throws Exception {
    Path ready = dir.resolve("ready");
    Process run = cli.start("run", "--", "sh", "-c", "echo $$ > " + ready + "; exec sleep 300");
    long sleeper = awaitPid(ready, run);
    assertThat(io.pgisolate.os.Signals.send(run.pid(), "TERM")).isTrue();
    assertThat(run.waitFor(20, TimeUnit.SECONDS)).isTrue();
    ProcessHandle.of(sleeper).ifPresent(p -> p.onExit().join());
    assertThat(ProcessHandle.of(sleeper)).isEmpty();
  }

  @Test
  void runStopsWhatTheCommandStartedTooOnSigterm(@TempDir Path dir) throws Exception {
    // A shell passes no SIGTERM on to its children: they would go on without their database.
    Path ready = dir.resolve("ready");
    Process run =
        cli.start(
            "run",
            "--",
            "sh",
            "-c",
            "sleep 300 & echo $! > " + ready + ".tmp && mv " + ready + ".tmp " + ready + "; wait");
    Cli.assertSigtermStopsItAndTheCommandsChild(run, awaitPid(ready, run));
  }

  @Test
  void runRemovesTheClusterOnSigtermWhenTheCommandTakesItsTimeToStop(@TempDir Path root)
      throws Exception {
    // CMD ends while the JVM's exit hook is still running: run's own stop of the cluster then
    // races the JVM's halt, which used to cut it short and leave the cluster's files.
    Files.setPosixFilePermissions(
        root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Path ready = root.resolve("ready");
    Process run =
        cli.start(
            "run",
            "--data-root",
            root.toString(),
            "--",
            "sh",
            "-c",
            "trap 'sleep 0.5; exit 3' TERM; echo $$ > "
                + ready
                + ".tmp; mv "
                + ready
                + ".tmp "
                + ready
                + "; while :; do sleep 0.1; done");
    awaitPid(ready, run);
    Path base = root.resolve("pgisolate-" + io.pgisolate.os.OsUser.current().uid());
    assertThat(clusterDirectories(base)).isNotEmpty();
    assertThat(io.pgisolate.os.Signals.send(run.pid(), "TERM")).isTrue();
    assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(run.exitValue()).isEqualTo(143);
    assertThat(clusterDirectories(base)).isEmpty();
  }

  /** The pid the command under {@code run} writes to {@code ready} once it runs. */
  private static long awaitPid(Path ready, Process run) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(ready) || Files.readString(ready).isBlank()) {
      assertThat(System.nanoTime()).as("command started in time").isLessThan(deadline);
      assertThat(run.isAlive()).isTrue();
      Thread.onSpinWait();
    }
    return Long.parseLong(Files.readString(ready).strip());
  }

  @Test
  void sigtermDuringStartUpLeavesNoClusterBehind(@TempDir Path root) throws Exception {
    Process temp = sigtermDuringStartUp(root, "temp");
    assertThat(temp.exitValue()).isEqualTo(143);
  }

  @Test
  void sigtermToRunDuringStartUpNeverStartsTheCommand(@TempDir Path root) throws Exception {
    Path ran = root.resolve("ran");
    Process run = sigtermDuringStartUp(root, "run", "--", "touch", ran.toString());
    assertThat(run.exitValue()).isEqualTo(143);
    assertThat(ran).doesNotExist();
  }

  /** Starts pgisolate with {@code args}, sends SIGTERM during start-up, checks nothing is left. */
  private Process sigtermDuringStartUp(Path root, String... args) throws Exception {
    // Without the initdb cache the start spends a while in initdb, before any postmaster (and
    // its watchdog) exists: the window in which a Ctrl-C used to leave the cluster's files.
    // The server runs as another user when the tests run as root: it must pass through root.
    Files.setPosixFilePermissions(
        root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> argv = new ArrayList<>(List.of(args));
    argv.addAll(1, List.of("--no-initdb-cache", "--data-root", root.toString()));
    Process p = cli.start(argv.toArray(String[]::new));
    Path base = root.resolve("pgisolate-" + io.pgisolate.os.OsUser.current().uid());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (clusterDirectories(base).isEmpty()) {
      assertThat(System.nanoTime()).as("cluster directory made in time").isLessThan(deadline);
      assertThat(p.isAlive()).isTrue();
      Thread.onSpinWait();
    }
    assertThat(io.pgisolate.os.Signals.send(p.pid(), "TERM")).isTrue();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(clusterDirectories(base)).isEmpty();
    return p;
  }

  /** The clusters' directories and lock files under a data root's base directory. */
  private static List<Path> clusterDirectories(Path base) throws Exception {
    if (!Files.isDirectory(base)) {
      return List.of();
    }
    try (var list = Files.list(base)) {
      return list.toList();
    }
  }

  private static long postmasterPid(Path data) throws Exception {
    return Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip());
  }
}
