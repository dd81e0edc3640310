package io.pgisolate.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve, wrap and wrap-each, running real child processes (sh). */
class LeaseCommandsTest {
  static final Duration BOUND = Duration.ofSeconds(10);

  @TempDir Path dir;

  @Test
  void wrapServesWhileTheCommandRunsAndPassesBothSocketVariables() throws Exception {
    Path out = dir.resolve("env.txt");
    Path fifo = dir.resolve("fifo");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    Path socket = dir.resolve("tmp/pgm.sock");
    LeaseWrap wrap =
        new LeaseWrap(
            new LeaseSettings("app_", 2, socket),
            List.of(
                "sh",
                "-c",
                "printf '%s %s' \"$PGM_SOCKET\" \"$PGMANAGER_SOCKET\" > "
                    + out
                    + "; cat "
                    + fifo
                    + " > /dev/null; exit 3"));
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(wrap::run);
    // Opening the FIFO for writing returns once the command opened it for reading: it runs.
    CompletableFuture<OutputStream> writer =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return Files.newOutputStream(fifo);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    try (OutputStream w = writer.get(10, TimeUnit.SECONDS);
        DatabaseLease lease = DatabaseLease.builder().socket(socket).timeout(BOUND).acquire()) {
      assertThat(lease.name()).isEqualTo("app_0");
    }
    assertThat(exit.get(10, TimeUnit.SECONDS)).isEqualTo(3);
    assertThat(Files.readString(out)).isEqualTo(socket + " " + socket);
    assertThat(socket).doesNotExist();
  }

  @Test
  void wrapReturnsTheShellStyleCodeOfACommandKilledByASignal() {
    LeaseWrap wrap =
        new LeaseWrap(
            new LeaseSettings("app_", 1, dir.resolve("s.sock")),
            List.of("sh", "-c", "kill -KILL $$"));
    assertThat(wrap.run()).isEqualTo(128 + 9);
  }

  @Test
  void wrapOfACommandThatDoesNotExistSaysSoWithExitCode127() {
    LeaseWrap wrap =
        new LeaseWrap(
            new LeaseSettings("app_", 1, dir.resolve("s.sock")), List.of("no-such-command-xyz"));
    assertThatThrownBy(wrap::run)
        .isInstanceOf(CommandNotStartedException.class)
        .hasMessageStartingWith("could not run 'no-such-command-xyz': Cannot run program")
        .hasMessageEndingWith(
            ". Hint: check the command after -- (is it installed and on the PATH?).")
        .satisfies(e -> assertThat(((CommandNotStartedException) e).exitCode()).isEqualTo(127));
    assertThat(dir.resolve("s.sock")).doesNotExist();
  }

  @Test
  void wrapWithoutACommandSaysHowToGiveOne() {
    assertThatThrownBy(() -> new LeaseWrap(new LeaseSettings("a", 1, dir.resolve("s")), List.of()))
        .hasMessage(
            "wrap needs a command to run. Hint: put it after --, e.g. pgisolate wrap -- mvn test");
  }

  @Test
  void wrapEachRunsOncePerDatabaseWithPgdatabaseShardAndXarg() throws Exception {
    Path out = dir.resolve("runs.txt");
    int exit =
        new LeaseWrapEach(
                "app_",
                3,
                List.of("sh", "-c", "echo \"$PGDATABASE $PGM_DATABASE_SHARD $1\" >> " + out, "sh"),
                false,
                true)
            .run();
    assertThat(exit).isZero();
    assertThat(Files.readAllLines(out))
        .containsExactly("app_0 0 app_0", "app_1 1 app_1", "app_2 2 app_2");
  }

  @Test
  void wrapEachStopsAtTheFirstFailureWithItsExitCode() throws Exception {
    Path out = dir.resolve("runs.txt");
    List<String> command =
        List.of(
            "sh",
            "-c",
            "echo \"$PGDATABASE $#\" >> " + out + "; [ $PGM_DATABASE_SHARD != 1 ] || exit 7");
    assertThat(new LeaseWrapEach("db", 3, command, false, false).run()).isEqualTo(7);
    assertThat(Files.readAllLines(out)).containsExactly("db0 0", "db1 0");
  }

  @Test
  void wrapEachIgnoringExitCodesRunsAllAndSucceedsLikePgmanager() throws Exception {
    Path out = dir.resolve("runs.txt");
    List<String> command = List.of("sh", "-c", "echo $PGDATABASE >> " + out + "; exit 5");
    assertThat(new LeaseWrapEach("db", 3, command, true, false).run()).isZero();
    assertThat(Files.readAllLines(out)).containsExactly("db0", "db1", "db2");
  }

  @Test
  void wrapEachReadsPrefixAndCountFromTheEnvironment() throws Exception {
    Path out = dir.resolve("runs.txt");
    List<String> command = List.of("sh", "-c", "echo $PGDATABASE >> " + out);
    LeaseWrapEach each =
        LeaseWrapEach.fromEnvironment(
            Map.of("DATABASE_PREFIX", "old_", "PGM_DATABASE_COUNT", "2"), command, false, false);
    assertThat(each.run()).isZero();
    assertThat(Files.readAllLines(out)).containsExactly("old_0", "old_1");
  }

  @Test
  void wrapEachRefusesAPrefixTooLongForPostgresLikeServe() {
    // PostgreSQL would truncate p…p10 to p…p1: dropdb of the eleventh would drop the second.
    assertThatThrownBy(
            () ->
                LeaseWrapEach.fromEnvironment(
                    Map.of("PGM_DATABASE_PREFIX", "p".repeat(62), "PGM_DATABASE_COUNT", "11"),
                    List.of("dropdb"),
                    true,
                    true))
        .hasMessageStartingWith("PGM_DATABASE_PREFIX is too long: database ")
        .hasMessageEndingWith(
            " would be 64 bytes and PostgreSQL keeps only 63. Hint: use a shorter prefix.");
  }

  @Test
  void serveRunsUntilStoppedThenPrintsPeakUsageAndTotalWaitTime() throws Exception {
    StringWriter bytes = new StringWriter();
    PrintWriter err = new PrintWriter(bytes, true);
    Path socket = dir.resolve("tmp/pgmanager.sock");
    LeaseServe serve = new LeaseServe(new LeaseSettings("app_", 2, socket), err);
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(serve::run);
    assertThat(serve.awaitStarted(BOUND)).isTrue();
    try (DatabaseLease a = DatabaseLease.builder().socket(socket).acquire();
        DatabaseLease b = DatabaseLease.builder().socket(socket).acquire()) {
      assertThat(List.of(a.name(), b.name())).containsExactly("app_0", "app_1");
    }
    assertThat(serve.server().pool().awaitState(s -> s.leased().isEmpty(), BOUND)).isTrue();
    serve.stop();
    assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
    assertThat(bytes.toString())
        .isEqualTo(
            "pgisolate: serving 2 databases app_0…app_1 on "
                + socket
                + "\nPeak usage: 2 of 2 databases; leases: 2; total wait time: 0 ms\n");
  }
}
