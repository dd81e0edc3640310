package io.pgisolate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.lease.DatabaseLease;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * serve, wrap and wrap-each as a user runs them: a pgisolate process with its own environment. No
 * PostgreSQL is needed: the lease server only hands out names.
 */
class LeaseCliTest {
  @TempDir Path dir;
  @RegisterExtension final Cli cli = new Cli();

  private Process pgisolate(Map<String, String> env, String... args) throws IOException {
    return cli.start(dir, env, args);
  }

  @Test
  void wrapEachRunsOncePerDatabaseAsPgmanager() throws Exception {
    Path out = dir.resolve("runs");
    Process p =
        pgisolate(
            Map.of("PGM_DATABASE_PREFIX", "app_", "PGM_DATABASE_COUNT", "2"),
            "wrap-each",
            "--xargs",
            "--",
            "sh",
            "-c",
            "echo \"$PGDATABASE $PGM_DATABASE_SHARD $1\" >> " + out,
            "sh");
    assertThat(Cli.stderr(p)).isEmpty();
    assertThat(p.exitValue()).isZero();
    assertThat(Files.readAllLines(out)).containsExactly("app_0 0 app_0", "app_1 1 app_1");
  }

  @Test
  void wrapTakesTheSocketBeforeTheSubcommandAsPgmanagerAndExitsWithTheCommandsCode()
      throws Exception {
    Path out = dir.resolve("env");
    Process p =
        pgisolate(
            Map.of("PGM_DATABASE_PREFIX", "app_"),
            "-s",
            "run/pgm.sock",
            "wrap",
            "--",
            "sh",
            "-c",
            "test -S \"$PGM_SOCKET\" && echo \"$PGM_SOCKET $PGMANAGER_SOCKET\" > "
                + out
                + "; exit 4");
    Cli.stderr(p);
    assertThat(p.exitValue()).isEqualTo(4);
    Path socket = dir.toRealPath().resolve("run/pgm.sock");
    assertThat(Files.readString(out)).isEqualTo(socket + " " + socket + "\n");
  }

  @Test
  void sigtermToWrapStopsWhatTheCommandStartedToo() throws Exception {
    // A shell passes no SIGTERM on to its children: CMD's orphans would go on using databases
    // whose leases ended with the server.
    Process p =
        pgisolate(
            Map.of("PGM_DATABASE_PREFIX", "app_"),
            "wrap",
            "--",
            "sh",
            "-c",
            "sleep 300 & echo $!; wait");
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long grandchild =
        Long.parseLong(
            CompletableFuture.supplyAsync(() -> readLine(out)).get(60, TimeUnit.SECONDS));
    Cli.assertSigtermStopsItAndTheCommandsChild(p, grandchild);
    assertThat(dir).as("no socket, lock file or tmp/ left").isEmptyDirectory();
  }

  @Test
  void wrapRemovesTheSocketDirectoriesItMadeButNotThoseThatWereThereWhenTheCommandFails()
      throws Exception {
    Files.createDirectory(dir.resolve("there"));
    Process p =
        pgisolate(
            Map.of("PGM_DATABASE_PREFIX", "app_"),
            "wrap",
            "-s",
            "there/a/b/c/pgm.sock",
            "--",
            "sh",
            "-c",
            "test -S \"$PGM_SOCKET\" || exit 9; exit 3");
    Cli.stderr(p);
    assertThat(p.exitValue()).isEqualTo(3);
    assertThat(dir.resolve("there")).as("a/b/c removed, there/ kept").isEmptyDirectory();
  }

  @Test
  void sigtermAsSoonAsTheSocketIsThereLeavesNoSocketOrDirectory() throws Exception {
    // A signal while the server is still starting: the exit hook has no server to stop yet, and
    // the JVM halts the starting thread when the hooks are done.
    Map<String, String> env = Map.of("PGM_DATABASE_PREFIX", "app_", "PGM_DATABASE_COUNT", "1");
    for (int round = 0; round < 3; round++) {
      for (List<String> args :
          List.of(
              List.of("serve", "-s", "s/a/b/pgm.sock"),
              List.of("wrap", "-s", "w/a/b/pgm.sock", "--", "sleep", "300"))) {
        Process p = pgisolate(env, args.toArray(String[]::new));
        Path socket = dir.resolve(args.get(2));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          assertThat(System.nanoTime()).as("socket made in time").isLessThan(deadline);
          assertThat(p.isAlive()).as("pgisolate runs").isTrue();
          Thread.onSpinWait();
        }
        p.toHandle().destroy(); // SIGTERM
        Cli.stderr(p);
        assertThat(p.exitValue()).as(args.get(0)).isEqualTo(143);
        assertThat(dir).as(args + " left nothing, round " + round).isEmptyDirectory();
      }
    }
  }

  @Test
  void wrapAndWrapEachTakeTheCommandsOptionsWithoutADoubleDash() throws Exception {
    Map<String, String> env = Map.of("PGM_DATABASE_PREFIX", "app_", "PGM_DATABASE_COUNT", "1");
    for (String front : List.of("wrap", "wrap-each")) {
      Process p = pgisolate(env, front, "sh", "-c", "exit 6");
      assertThat(Cli.stderr(p)).as(front).isEmpty();
      assertThat(p.exitValue()).as(front).isEqualTo(6);
    }
  }

  @Test
  void twoDifferentSocketsBeforeAndAfterTheSubcommandAreRefused() throws Exception {
    Process p =
        pgisolate(Map.of("PGM_DATABASE_PREFIX", "app_"), "-s", "a.sock", "serve", "-s", "b.sock");
    assertThat(Cli.stderr(p))
        .isEqualTo(
            "pgisolate: -s/--socket names two sockets, a.sock before serve and b.sock after it."
                + " Hint: give it once.\n");
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(dir.resolve("a.sock")).doesNotExist();
    assertThat(dir.resolve("b.sock")).doesNotExist();
  }

  @Test
  void wrapOfAMissingCommandExitsWith127AndOneLine() throws Exception {
    Process p = pgisolate(Map.of("PGM_DATABASE_PREFIX", "app_"), "wrap", "--", "no-such-cmd-xyz");
    String err = Cli.stderr(p);
    assertThat(p.exitValue()).isEqualTo(127);
    assertThat(err.lines().toList())
        .singleElement()
        .asString()
        .startsWith("pgisolate: could not run 'no-such-cmd-xyz': ");
  }

  @Test
  void serveWithoutAPrefixSaysWhatToSetInOneLine() throws Exception {
    Process p = pgisolate(Map.of(), "serve");
    String err = Cli.stderr(p);
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(err)
        .isEqualTo(
            "pgisolate: PGM_DATABASE_PREFIX is not set: the lease pool needs a database name"
                + " prefix. Hint: export PGM_DATABASE_PREFIX=myapp_test to lease myapp_test0,"
                + " myapp_test1, …\n");
  }

  @Test
  void serveOnASocketUnderAFileSaysWhichIsNotADirectory() throws Exception {
    Path file = Files.createFile(dir.resolve("file"));
    for (Path socket : List.of(file.resolve("s.sock"), file.resolve("sub").resolve("s.sock"))) {
      Process p =
          pgisolate(Map.of("PGM_DATABASE_PREFIX", "app_"), "serve", "-s", socket.toString());
      String err = Cli.stderr(p);
      assertThat(p.exitValue()).isEqualTo(1);
      assertThat(err)
          .isEqualTo(
              "pgisolate: cannot serve on "
                  + socket
                  + ": "
                  + file
                  + " is not a directory. Hint: choose another place with --socket or"
                  + " PGM_SOCKET.\n");
    }
  }

  @Test
  void resetWithoutAServerSaysWhichOptionIsMissing() throws Exception {
    Process p = pgisolate(Map.of("PGM_DATABASE_PREFIX", "app_"), "serve", "--reset");
    String err = Cli.stderr(p);
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(err)
        .isEqualTo(
            "pgisolate: --reset needs the server that holds the databases. Hint: add --server"
                + " postgres://user:password@host:5432/postgres.\n");
  }

  @Test
  void aTemplateWithoutCreateOrResetIsRefused() throws Exception {
    Process p =
        pgisolate(Map.of("PGM_DATABASE_PREFIX", "app_"), "wrap", "--template", "t", "--", "true");
    String err = Cli.stderr(p);
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(err)
        .isEqualTo(
            "pgisolate: --template has no effect without --create or --reset. Hint: add --create"
                + " to make the databases at start, --reset to make them again after each"
                + " lease.\n");
  }

  @Test
  void aTemplateDatabaseAndTemplateSqlTogetherAreRefused() throws Exception {
    Process p =
        pgisolate(
            Map.of("PGM_DATABASE_PREFIX", "app_"),
            "serve",
            "--reset",
            "--server",
            "postgres://u@localhost:1/postgres",
            "--template",
            "t",
            "--template-sql",
            "schema.sql");
    String err = Cli.stderr(p);
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(err)
        .isEqualTo(
            "pgisolate: --template and --template-sql both say what the databases are copies of."
                + " Hint: give one: --template for a database you made, --template-sql for the SQL"
                + " that builds it.\n");
  }

  @Test
  void templateSqlWithoutCreateOrResetIsRefused() throws Exception {
    Process p =
        pgisolate(Map.of("PGM_DATABASE_PREFIX", "app_"), "serve", "--template-sql", "s.sql");
    String err = Cli.stderr(p);
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(err)
        .startsWith("pgisolate: --template-sql has no effect without --create or --reset.");
  }

  @Test
  void serveLeasesReportsPidsAndPrintsUsageOnSigterm() throws Exception {
    Process p =
        pgisolate(Map.of("PGM_DATABASE_PREFIX", "app_", "PGM_DATABASE_COUNT", "2"), "serve");
    BufferedReader err =
        new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
    Path socket = dir.toRealPath().resolve("tmp/pgmanager.sock");
    String first = CompletableFuture.supplyAsync(() -> readLine(err)).get(60, TimeUnit.SECONDS);
    assertThat(first).isEqualTo("pgisolate: serving 2 databases app_0…app_1 on " + socket);
    try (DatabaseLease lease = DatabaseLease.builder().socket(socket).acquire()) {
      assertThat(lease.name()).isEqualTo("app_0");
      assertThat(DatabaseLease.status(socket, Duration.ofSeconds(10)))
          .contains("leased app_0 pid=" + ProcessHandle.current().pid() + " ");
    }
    p.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of stderr
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String rest = String.join("\n", err.lines().toList());
    // 2 when the STATUS request came in after the server had handed it app_1.
    assertThat(rest)
        .containsPattern("Peak usage: [12] of 2 databases; leases: [12]; total wait time: \\d+ ms");
    assertThat(dir).as("no socket, lock file or tmp/ left").isEmptyDirectory();
  }

  @Test
  void aServerKilledWithSigkillIsReplacedByTheNextWhichLeavesNothingBehind() throws Exception {
    Map<String, String> env = Map.of("PGM_DATABASE_PREFIX", "app_", "PGM_DATABASE_COUNT", "1");
    Path socket = dir.toRealPath().resolve("tmp/pgmanager.sock");
    Process killed = pgisolate(env, "serve");
    assertThat(firstLine(killed)).startsWith("pgisolate: serving 1 databases");
    killed.destroyForcibly(); // SIGKILL: no shutdown hook runs
    assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(dir.resolve("tmp/pgmanager.sock.lock")).as("what SIGKILL leaves").exists();

    Process next = pgisolate(env, "serve");
    assertThat(firstLine(next))
        .isEqualTo("pgisolate: serving 1 databases app_0…app_0 on " + socket);
    try (DatabaseLease lease = DatabaseLease.builder().socket(socket).acquire()) {
      assertThat(lease.name()).isEqualTo("app_0");
    }
    next.toHandle().destroy(); // SIGTERM
    assertThat(next.waitFor(30, TimeUnit.SECONDS)).isTrue();
    // tmp/ stays: this server found it, and removes only the directories it made.
    assertThat(dir.resolve("tmp")).as("no socket or lock file left").isEmptyDirectory();
  }

  private static String firstLine(Process p) throws Exception {
    BufferedReader err =
        new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
    return CompletableFuture.supplyAsync(() -> readLine(err)).get(60, TimeUnit.SECONDS);
  }

  private static String readLine(BufferedReader reader) {
    try {
      return reader.readLine();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
