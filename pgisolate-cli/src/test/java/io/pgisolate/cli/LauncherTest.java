package io.pgisolate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

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
