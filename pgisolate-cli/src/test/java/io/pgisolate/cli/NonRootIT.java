package io.pgisolate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.os.OsUser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's first command must work for a normal user too. CI runs as root, so this runs the
 * packaged jar as {@code nobody} (no home directory, no cache, no PostgreSQL of its own).
 */
class NonRootIT {

  @Test
  void theRunnableJarWorksForAnUnprivilegedUser(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(OsUser.current().isRoot(), "needs root to become another user");
    Path jar = Path.of("target", "pgisolate.jar");
    assertThat(jar).as("the shaded jar (built in the package phase)").exists();
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path copy = Files.copy(jar, dir.resolve("pgisolate.jar"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
    OsUser nobody = OsUser.lookup("nobody").orElseThrow();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    "setpriv",
                    "--reuid=" + nobody.uid(),
                    "--regid=" + nobody.gid(),
                    "--clear-groups",
                    "--",
                    java,
                    "-jar",
                    copy.toString(),
                    "run",
                    "--",
                    java,
                    "-jar",
                    copy.toString(),
                    "sql",
                    "select current_setting('data_directory'),"
                        + " current_setting('server_version_num')::int >= 180000"))
            .directory(dir.toFile())
            .redirectErrorStream(true);
    builder.environment().remove("PGISOLATE_PG_VERSION");
    builder.environment().remove("PGISOLATE_CACHE_DIR");
    builder.environment().put("HOME", "/nonexistent");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    // The cluster lives in nobody's own directory, from the PostgreSQL the jar bundles.
    assertThat(output).contains("/pgisolate-" + nobody.uid() + "/").contains(" | t\n(1 row)");
  }
}
