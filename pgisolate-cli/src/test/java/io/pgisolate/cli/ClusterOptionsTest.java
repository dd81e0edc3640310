package io.pgisolate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad cluster options are named, with a hint, before anything starts or is created. */
class ClusterOptionsTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  @Test
  void portOutOfRangeNamesTheOption() {
    for (String port : new String[] {"0", "70000"}) {
      err.getBuffer().setLength(0);
      assertThat(run("run", "-p", port, "--", "true")).isEqualTo(1);
      assertThat(err.toString())
          .isEqualTo(
              "pgisolate: -p/--port must be between 1 and 65535, but is "
                  + port
                  + ". Hint: leave it out for a free port.\n");
    }
  }

  @Test
  void missingInitScriptAndDumpAreNamedWithAHint() {
    assertThat(run("run", "-f", "/nonexistent/schema.sql", "--", "true")).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo(
            "pgisolate: -f/--init-sql /nonexistent/schema.sql: no such file. Hint: give an SQL"
                + " script you can read.\n");
    err.getBuffer().setLength(0);
    assertThat(run("run", "--dump", "/nonexistent/db.dump", "--", "true")).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo(
            "pgisolate: --dump /nonexistent/db.dump: no such file. Hint: give a pg_dump file you"
                + " can read.\n");
  }

  @Test
  void initScriptThatIsADirectoryIsRefusedBeforeTheServerStarts(@TempDir Path dir) {
    assertThat(run("run", "-f", dir.toString(), "--", "true")).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo(
            "pgisolate: -f/--init-sql "
                + dir
                + ": it is a directory. Hint: give an SQL script you can read.\n");
  }

  @Test
  void cacheDirThatIsAFileNamesTheOption(@TempDir Path dir) throws Exception {
    Path file = Files.createFile(dir.resolve("file"));
    assertThat(run("run", "--cache-dir", file.toString(), "--", "true")).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo(
            "pgisolate: --cache-dir "
                + file
                + " is not a directory. Hint: name a directory, or a new one.\n");
    err.getBuffer().setLength(0);
    assertThat(run("run", "--cache-dir", file.resolve("cache").toString(), "--", "true"))
        .isEqualTo(1);
    assertThat(err.toString())
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
    assertThat(run("run", "--data-root", root.toString(), "--", "true")).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo(
            "pgisolate: --data-root "
                + root
                + ": "
                + dir.resolve("misspelt")
                + " does not exist. Hint: check the path; pgisolate creates only its last"
                + " directory.\n");
    assertThat(dir.resolve("misspelt")).doesNotExist();
  }
}
