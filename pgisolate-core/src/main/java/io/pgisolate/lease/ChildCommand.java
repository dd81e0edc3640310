package io.pgisolate.lease;

import io.pgisolate.PgIsolateException;
import io.pgisolate.os.Signals;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the command that {@code wrap} and {@code wrap-each} wrap: in the foreground, with the
 * terminal (stdin, stdout, stderr) of pgisolate, and returns its exit code; 128 + n when signal n
 * killed it, as a shell reports it.
 */
final class ChildCommand {
  private volatile Process process;

  static List<String> check(String front, List<String> command) {
    if (command == null || command.isEmpty()) {
      throw new PgIsolateException(
          front
              + " needs a command to run. Hint: put it after --, e.g. pgisolate "
              + front
              + " -- mvn test");
    }
    return List.copyOf(command);
  }

  int run(List<String> command, Map<String, String> env) {
    ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).inheritIO();
    builder.environment().putAll(env);
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new CommandNotStartedException(
          "could not run '"
              + command.get(0)
              + "': "
              + e.getMessage()
              + ". Hint: check the command after -- (is it installed and on the PATH?).",
          e);
    }
    try {
      return process.waitFor();
    } catch (InterruptedException e) {
      stop();
      Thread.currentThread().interrupt();
      throw new PgIsolateException("interrupted while running " + command.get(0), e);
    }
  }

  /** Asks a running command to stop (SIGTERM), then kills it after 10 s. */
  void stop() {
    Process p = process;
    if (p != null) {
      Signals.stop(p, "TERM", Duration.ofSeconds(10));
    }
  }
}
