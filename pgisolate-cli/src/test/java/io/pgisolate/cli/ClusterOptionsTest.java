package io.pgisolate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Bad cluster options are named, with a hint, before anything starts or is created. */
class ClusterOptionsTest {
  @RegisterExtension final Cli cli = new Cli();

  @Test
  void portOutOfRangeNamesTheOption() {
    for (String port : new String[] {"0", "70000"}) {
      assertThat(cli.run("run", "-p", port, "--", "true")).isEqualTo(1);
      assertThat(cli.err())
          .isEqualTo(
              "pgisolate: -p/--port must be between 1 and 65535, but is "
                  + port
                  + ". Hint: leave it out for a free port.\n");
    }
  }

  @Test
  void missingInitScriptAndDumpAreNamedWithAHint() {
    assertThat(cli.run("run", "-f", "/nonexistent/schema.sql", "--", "true")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: -f/--init-sql /nonexistent/schema.sql: no such file. Hint: give an SQL"
                + " script you can read.\n");
    assertThat(cli.run("run", "--dump", "/nonexistent/db.dump", "--", "true")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --dump /nonexistent/db.dump: no such file. Hint: give a pg_dump file you"
                + " can read.\n");
  }

  @Test
  void initScriptThatIsADirectoryIsRefusedBeforeTheServerStarts(@TempDir Path dir) {
    assertThat(cli.run("run", "-f", dir.toString(), "--", "true")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: -f/--init-sql "
                + dir
                + ": it is a directory. Hint: give an SQL script you can read.\n");
  }

  @Test
  void cacheDirThatIsAFileNamesTheOption(@TempDir Path dir) throws Exception {
    Path file = Files.createFile(dir.resolve("file"));
    assertThat(cli.run("run", "--cache-dir", file.toString(), "--", "true")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --cache-dir "
                + file
                + " is not a directory. Hint: name a directory, or a new one.\n");
    assertThat(cli.run("run", "--cache-dir", file.resolve("cache").toString(), "--", "true"))
        .isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --cache-dir "
                + file.resolve("cache")
                + ": "
                + file
                + " is not a directory. Hint: name a directory, or a new one.\n");
  }

  @Test
  void misspeltDataRootIsRefusedAndNothingCreated(@TempDir Path dir) {
    Path root = dir.resolve("misspelt").resolve("root");
    assertThat(cli.run("run", "--data-root", root.toString(), "--", "true")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --data-root "
                + root
                + ": "
                + dir.resolve("misspelt")
                + " does not exist. Hint: check the path; pgisolate creates only its last"
                + " directory.\n");
    assertThat(dir.resolve("misspelt")).doesNotExist();
  }

  @Test
  void listenWithSocketOnlyIsAContradiction() {
    assertThat(cli.run("run", "--socket-only", "--listen", "0.0.0.0", "--", "true")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --listen has no effect with --socket-only, which listens on no TCP"
                + " address. Hint: drop one of them.\n");
  }

  @Test
  void pgBinAndPgVersionTogetherAreAContradiction() {
    assertThat(
            cli.run(
                "run",
                "--pg-bin",
                "/usr/lib/postgresql/17/bin",
                "--pg-version",
                "16",
                "--",
                "true"))
        .isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --pg-bin and --pg-version both say which PostgreSQL to use. Hint: give"
                + " only one of them.\n");
  }

  @Test
  void startTimeoutAboveADayIsRefused() {
    Map<String, String> shown =
        Map.of("86401", "86401", "1e12", "1000000000000", "Infinity", "Infinity");
    for (var seconds : shown.entrySet()) {
      assertThat(cli.run("run", "--start-timeout", seconds.getKey(), "--", "true")).isEqualTo(1);
      assertThat(cli.err())
          .isEqualTo(
              "pgisolate: --start-timeout must be at most 86400 seconds (a day), but is "
                  + seconds.getValue()
                  + ". Hint: give the seconds start-up may take, e.g. --start-timeout 120 on a slow"
                  + " machine, or leave it out for the default, 60.\n");
    }
  }

  @Test
  void anErrorWithoutAHintOfItsOwnPointsToTheHelp() {
    assertThat(cli.run("run", "-U", "", "--", "true")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: invalid user '': must not be empty. Hint: see 'pgisolate run --help'.\n");
  }
}
