package io.pgisolate.os;

import io.pgisolate.PgIsolateException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs short helper commands (initdb, getent, kill) to completion, bounded in time. */
public final class Commands {
  private Commands() {}

  /** What a finished command returned: its exit code and its merged stdout and stderr. */
  public record Result(int exitCode, String output) {
    /** The last lines of the output, to quote in an error message. */
    public String tail(int lines) {
      return Text.tail(output, lines);
    }
  }

  public static Result run(List<String> command, Duration timeout, Map<String, String> env) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    // A working directory every user can enter: helpers may run as another user than the JVM.
    builder.directory(Path.of("/").toFile());
    if (env != null) {
      builder.environment().putAll(env);
    }
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new PgIsolateException(
          "could not run " + command.get(0) + ": " + e.getMessage() + ". Hint: is it installed?",
          e);
    }
    OutputCollector collector = new OutputCollector(process.getInputStream());
    collector.start();
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
        throw new PgIsolateException(
            command.get(0)
                + " did not finish within "
                + timeout.toMillis()
                + " ms and was killed. Output: "
                + Text.tail(collector.text(), 5));
      }
      collector.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new PgIsolateException("interrupted while running " + command.get(0), e);
    }
    return new Result(process.exitValue(), collector.text());
  }

  /** Drains a process's output on its own thread so that a chatty process never blocks. */
  private static final class OutputCollector extends Thread {
    private final InputStream in;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    OutputCollector(InputStream in) {
      super("pgisolate-output");
      setDaemon(true);
      this.in = in;
    }

    @Override
    public void run() {
      try (in) {
        byte[] chunk = new byte[8192];
        int n;
        while ((n = in.read(chunk)) >= 0) {
          synchronized (buffer) {
            buffer.write(chunk, 0, n);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String text() {
      synchronized (buffer) {
        return buffer.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
