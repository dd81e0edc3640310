package io.pgisolate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** bin/pgisolate, the shell launcher, reports its own failures as pgisolate does. */
class LauncherTest {
  private static final Path LAUNCHER = Path.of("..", "bin", "pgisolate");

  @Test
  void aJavaThatIsNotThereIsOneLineWithAHint() throws Exception {
    ProcessBuilder builder = new ProcessBuilder("sh", LAUNCHER.toString(), "--version");
    builder.environment().put("JAVA", "/nonexistent/java");
    Process p = builder.start();
    assertThat(Cli.stderr(p))
        .isEqualTo(
            "pgisolate: cannot run Java: /nonexistent/java is not there. Hint: install a Java 17"
                + " or newer runtime, or point JAVA at its java program.\n");
    assertThat(p.exitValue()).isEqualTo(1);
  }

  @Test
  void aJarVariableNamingNoFileIsNotPassedOver() throws Exception {
    ProcessBuilder builder = new ProcessBuilder("sh", LAUNCHER.toString(), "--version");
    builder.environment().put("PGISOLATE_JAR", "/nonexistent/pgisolate.jar");
    Process p = builder.start();
    assertThat(Cli.stderr(p))
        .isEqualTo(
            "pgisolate: PGISOLATE_JAR is /nonexistent/pgisolate.jar, which is not a file. Hint:"
                + " point it at pgisolate.jar, or unset it for the one beside this script.\n");
    assertThat(p.exitValue()).isEqualTo(1);
  }
}
