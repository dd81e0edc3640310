package io.pgisolate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/pgisolate, the shell launcher, reports its own failures as pgisolate does. */
class LauncherTest {
  private static final Path LAUNCHER = Path.of("..", "bin", "pgisolate");

  @Test
  void aJavaThatIsNotThereIsOneLineWithAHint() throws Exception {
    assertThat(failureWith("JAVA", "/nonexistent/java"))
        .isEqualTo(
            "pgisolate: cannot run Java: /nonexistent/java is not there. Hint: install a Java 17"
                + " or newer runtime, or point JAVA at its java program.\n");
  }

  @Test
  void aJarVariableNamingNoFileIsNotPassedOver() throws Exception {
    assertThat(failureWith("PGISOLATE_JAR", "/nonexistent/pgisolate.jar"))
        .isEqualTo(
            "pgisolate: PGISOLATE_JAR is /nonexistent/pgisolate.jar, which is not a file. Hint:"
                + " point it at pgisolate.jar, or unset it for the one beside this script.\n");
  }

  @Test
  void theServersGetTheServerJvmOptionsAlsoAfterGlobalOptions(@TempDir Path dir) throws Exception {
    // The long-lived servers keep the optimising compiler; pgmanager's users put -s first.
    for (List<String> args :
        List.of(
            List.of("serve"),
            List.of("-s", "x.sock", "serve"),
            List.of("--socket", "x.sock", "-v", "wrap", "--", "true"),
            List.of("--socket=x.sock", "proxy"),
            List.of("-v", "-sx.sock", "serve"))) {
      assertThat(jvmOptions(dir, args))
          .as(String.join(" ", args))
          .contains("-Dio.netty.leakDetection.level=disabled")
          .doesNotContain("TieredStopAtLevel");
    }
    for (List<String> args :
        List.of(List.of("run", "--", "serve"), List.of("-v", "temp"), List.of("--version"))) {
      assertThat(jvmOptions(dir, args))
          .as(String.join(" ", args))
          .contains("-XX:TieredStopAtLevel=1");
    }
  }

  /** The JVM options bin/pgisolate gives java for {@code args}, from a java that prints them. */
  private static String jvmOptions(Path dir, List<String> args) throws Exception {
    Path java = dir.resolve("java");
    Files.writeString(java, "#!/bin/sh\necho \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
    Path jar = dir.resolve("pgisolate.jar");
    Files.writeString(jar, "");
    List<String> argv = new ArrayList<>(List.of("sh", LAUNCHER.toString()));
    argv.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(argv);
    builder.environment().put("JAVA", java.toString());
    builder.environment().put("PGISOLATE_JAR", jar.toString());
    builder.environment().remove("PGISOLATE_JAVA_OPTS");
    Process p = builder.start();
    assertThat(Cli.stderr(p)).isEmpty();
    String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(line).endsWith("-jar " + jar + " " + String.join(" ", args) + "\n");
    return line.substring(0, line.indexOf(" -jar "));
  }

  /** What 'bin/pgisolate --version' prints on stderr with {@code name=value}; it must exit 1. */
  private static String failureWith(String name, String value) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("sh", LAUNCHER.toString(), "--version");
    builder.environment().put(name, value);
    Process p = builder.start();
    String err = Cli.stderr(p);
    assertThat(p.exitValue()).as(err).isEqualTo(1);
    return err;
  }
}
