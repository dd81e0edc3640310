package io.pgisolate.bench;

import io.pgisolate.os.Text;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A fresh JVM running {@link JdbcUrlChild} with this JVM's java and classpath, timed from spawn: to
 * the line it prints when its query answered ({@code answer N}), and to its exit (its shutdown and
 * cleanup included). Its stderr (the logs) goes to a file, quoted when it fails; a child that does
 * not answer in time is ended by its PID.
 */
final class ChildJvm {
  static final String ANSWER = "answer ";
  private static final Duration LIMIT = Duration.ofMinutes(3);

  /** What one child took: spawn to its answer, spawn to its exit; and the answer. */
  record Timing(long answerNanos, long exitNanos, long answer) {}

  private ChildJvm() {}

  /**
   * Runs {@code java [jvmOptions] -cp CLASSPATH JdbcUrlChild args…} with {@code env} added to this
   * JVM's environment.
   */
  static Timing run(List<String> jvmOptions, Map<String, String> env, List<String> args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(JdbcUrlChild.class.getName());
    command.addAll(args);
    Path log = Files.createTempFile("jdbc-url-bench-child-", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectError(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    builder.environment().putAll(env);
    long started = System.nanoTime();
    Process child = builder.start();
    BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
    Thread reader = readLines(child, lines);
    try {
      Line answer = awaitAnswer(child, lines, started, log);
      if (!child.waitFor(deadline(started), TimeUnit.NANOSECONDS)) {
        throw failed(child, log, "did not exit within " + LIMIT.toSeconds() + " s of its start");
      }
      long exited = System.nanoTime();
      reader.join(TimeUnit.SECONDS.toMillis(5));
      if (child.exitValue() != 0) {
        throw failed(child, log, "exited with " + child.exitValue());
      }
      return new Timing(
          answer.at - started,
          exited - started,
          Long.parseLong(answer.text.substring(ANSWER.length()).trim()));
    } finally {
      end(child);
      Files.deleteIfExists(log);
    }
  }

  private static Line awaitAnswer(Process child, BlockingQueue<Line> lines, long started, Path log)
      throws InterruptedException, IOException {
    while (true) {
      Line line = lines.poll(deadline(started), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw failed(child, log, "gave no answer within " + LIMIT.toSeconds() + " s");
      }
      if (line.text == null) {
        String how =
            child.waitFor(10, TimeUnit.SECONDS) ? "exited with " + child.exitValue() : "closed";
        throw failed(child, log, how + " without an answer");
      }
      if (line.text.startsWith(ANSWER)) {
        return line;
      }
    }
  }

  private static long deadline(long started) {
    return Math.max(0, started + LIMIT.toNanos() - System.nanoTime());
  }

  /** One line of the child's stdout and when it arrived; a null text is the end of the output. */
  private record Line(String text, long at) {}

  private static Thread readLines(Process child, BlockingQueue<Line> lines) {
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String text = in.readLine(); text != null; text = in.readLine()) {
                  lines.add(new Line(text, System.nanoTime()));
                }
              } catch (IOException e) {
                // the child was ended: its output is over
              }
              lines.add(new Line(null, System.nanoTime()));
            },
            "jdbc-url-bench-child-output");
    reader.setDaemon(true);
    reader.start();
    return reader;
  }

  /** Ends the child by its PID if it still runs (SIGTERM, so its shutdown hooks clean up). */
  private static void end(Process child) throws InterruptedException {
    if (!child.isAlive()) {
      return;
    }
    child.destroy();
    if (!child.waitFor(30, TimeUnit.SECONDS)) {
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static IllegalStateException failed(Process child, Path log, String what)
      throws IOException {
    // The child's last line says why it failed (JdbcUrlChild ends its log with it).
    String last = Text.tail(Files.readString(log), 1).strip();
    return new IllegalStateException(
        "child JVM " + child.pid() + " " + what + (last.isEmpty() ? "" : ": " + last));
  }
}
