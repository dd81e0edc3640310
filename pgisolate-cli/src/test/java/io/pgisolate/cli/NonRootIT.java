package io.pgisolate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.os.OsUser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's first command must work for a normal user too. CI runs as root, so this runs the
 * packaged jar as {@code nobody} (no home directory, no cache, no PostgreSQL of its own).
 */
class NonRootIT {
  @TempDir Path dir;
  private final OsUser nobody = OsUser.lookup("nobody").orElseThrow();
  private final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private Path jar;

  @BeforeEach
  void copyTheJarWhereNobodyCanReadIt() throws Exception {
    Assumptions.assumeTrue(OsUser.current().isRoot(), "needs root to become another user");
    Path built = Path.of("target", "pgisolate.jar");
    assertThat(built).as("the shaded jar (built in the package phase)").exists();
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    jar = Files.copy(built, dir.resolve("pgisolate.jar"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
  }

  @Test
  void theRunnableJarWorksForAnUnprivilegedUser() throws Exception {
    String output =
        asNobody(
            0,
            "run",
            "--",
            java,
            "-jar",
            jar.toString(),
            "sql",
            "select current_setting('data_directory'),"
                + " current_setting('server_version_num')::int >= 180000");
    // The cluster lives in nobody's own directory, from the PostgreSQL the jar bundles.
    assertThat(output).contains("/pgisolate-" + nobody.uid() + "/").contains(" | t\n(1 row)");
  }

  @Test
  void aDataRootTheUserCannotWriteToSaysPermissionDenied() throws Exception {
    Path root = Files.createDirectory(dir.resolve("root-only"));
    String output = asNobody(1, "run", "--data-root", root.toString(), "--", "true");
    assertThat(output)
        .isEqualTo(
            "pgisolate: cannot create the cluster directory "
                + root.resolve("pgisolate-" + nobody.uid())
                + ": permission denied. Hint: choose a writable location with the data-root"
                + " option (--data-root).\n");
  }

  @Test
  void aCacheDirectoryTheUserCannotCreateIsNamedBeforeAnythingStarts() throws Exception {
    Path closed = Files.createDirectory(dir.resolve("root-only"));
    Path cache = closed.resolve("cache");
    String output = asNobody(1, "run", "--cache-dir", cache.toString(), "--", "true");
    assertThat(output)
        .isEqualTo(
            "pgisolate: --cache-dir "
                + cache
                + ": cannot create it in "
                + closed
                + ": permission denied. Hint: name a directory you can write to.\n");
  }

  @Test
  void anInitScriptInADirectoryClosedToTheUserIsNotCalledMissing() throws Exception {
    Path closed = Files.createDirectory(dir.resolve("root-only"));
    Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
    Path script = Files.writeString(closed.resolve("schema.sql"), "create table t (id int);\n");
    String output = asNobody(1, "run", "-f", script.toString(), "--", "true");
    assertThat(output)
        .isEqualTo(
            "pgisolate: -f/--init-sql "
                + script
                + ": permission denied. Hint: give an SQL script you can read.\n");
  }

  /** Runs the jar as nobody with {@code args}; its stdout and stderr after the expected exit. */
  private String asNobody(int expectedExit, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                "setpriv",
                "--reuid=" + nobody.uid(),
                "--regid=" + nobody.gid(),
                "--clear-groups",
                "--",
                java,
                "-jar",
                jar.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().remove("PGISOLATE_PG_VERSION");
    builder.environment().remove("PGISOLATE_CACHE_DIR");
    builder.environment().put("HOME", "/nonexistent");
    Cli.utf8(builder);
    Process process = builder.start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).as(output).isEqualTo(expectedExit);
      return output;
    } finally {
      process.destroyForcibly();
    }
  }
}
