package io.pgisolate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import picocli.CommandLine;

/**
 * pgisolate as the tests run it: in this JVM with its output captured ({@link #run}), or as a child
 * JVM, the way a user starts it ({@link #start}), ended after each test. Register it with
 * {@code @RegisterExtension final Cli cli = new Cli();}.
 */
final class Cli implements AfterEachCallback {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final List<Process> children = new ArrayList<>();

  /**
   * Runs pgisolate in this JVM; its stdout and stderr are kept for {@link #out} and {@link #err}.
   */
  int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    CommandLine cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  /** What the last {@link #run} printed on stdout. */
  String out() {
    return out.toString();
  }

  /** What the last {@link #run} printed on stderr. */
  String err() {
    return err.toString();
  }

  /** Starts pgisolate in a JVM of its own, in this one's working directory and environment. */
  Process start(String... args) throws IOException {
    return start(null, Map.of(), args);
  }

  /**
   * Starts pgisolate in a JVM of its own, in {@code directory} (null: this one's) with {@code env}
   * added to this one's environment, less the lease server's socket variables.
   */
  Process start(Path directory, Map<String, String> env, String... args) throws IOException {
    List<String> argv = new ArrayList<>(javaCommand());
    argv.addAll(List.of(args));
    return start(new ProcessBuilder(argv), directory, env);
  }

  /**
   * Starts {@code bash -c script} in {@code directory} with {@code env} added, as {@link #start}
   * starts pgisolate; {@link #shellCommand} in the script runs pgisolate. What it starts in the
   * background outlives it: the test ends that itself.
   */
  Process bash(Path directory, Map<String, String> env, String script) throws IOException {
    return start(new ProcessBuilder("bash", "-c", script), directory, env);
  }

  private Process start(ProcessBuilder builder, Path directory, Map<String, String> env)
      throws IOException {
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    builder.environment().remove("PGM_SOCKET");
    builder.environment().remove("PGMANAGER_SOCKET");
    utf8(builder);
    builder.environment().putAll(env);
    Process p = builder.start();
    children.add(p);
    return p;
  }

  /** The command that starts pgisolate in a JVM of its own. */
  private static List<String> javaCommand() {
    return List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-cp",
        System.getProperty("java.class.path"),
        Main.class.getName());
  }

  /** {@link #start}'s command for a shell script: pgisolate's arguments go after it. */
  static String shellCommand() {
    return String.join(
        " ", javaCommand().stream().map(a -> "'" + a.replace("'", "'\\''") + "'").toList());
  }

  /** Waits (boundedly) for a started pgisolate to end and returns what it printed on stderr. */
  static String stderr(Process p) throws Exception {
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("pgisolate ended in time").isTrue();
    return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  /**
   * Sends SIGTERM, as CI cancelling a job does, to a started pgisolate whose command started {@code
   * grandchild}; checks that pgisolate exits with 143 and takes the grandchild down too.
   */
  static void assertSigtermStopsItAndTheCommandsChild(Process p, long grandchild) throws Exception {
    ProcessHandle child = ProcessHandle.of(grandchild).orElseThrow();
    try {
      p.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its pipes
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(143);
      assertThat(child.onExit().completeOnTimeout(null, 30, TimeUnit.SECONDS).get())
          .as("the command's child")
          .isNotNull();
    } finally {
      child.destroyForcibly();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    for (Process p : children) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * The child writes its messages as its locale says: under a POSIX locale (a login shell with no
   * LANG) the JVM writes "…" as "?", and the tests read UTF-8.
   */
  static void utf8(ProcessBuilder builder) {
    builder.environment().put("LC_ALL", "C.UTF-8");
  }
}
