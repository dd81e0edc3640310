package io.pgisolate.lease;

import io.pgisolate.PgIsolateException;
import io.pgisolate.os.Signals;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the command that {@code run}, {@code wrap} and {@code wrap-each} wrap: in the foreground,
 * with the terminal (stdin, stdout, stderr) of pgisolate, and returns its exit code; 128 + n when
 * signal n killed it, as a shell reports it.
 */
public final class ChildCommand {
  private static final Duration GRACE = Duration.ofSeconds(10);
  // SIGTERM's exit code, for a command a stop came before.
  static final int STOPPED = 128 + 15;
  private final Object starting = new Object();
  // Guarded by starting.
  private Process process;
  private boolean stopped;

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

  /**
   * Runs {@code command} with {@code env} added to this JVM's environment (a null value removes the
   * variable) and returns its exit code; 143 (SIGTERM's) without starting it when {@link #stop()}
   * came first.
   *
   * @throws CommandNotStartedException when it cannot be started
   */
  public int run(List<String> command, Map<String, String> env) {
    ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).inheritIO();
    // A null value unsets the variable.
    env.forEach(
        (name, value) -> {
          if (value == null) {
            builder.environment().remove(name);
          } else {
            builder.environment().put(name, value);
          }
        });
    Process p;
    // CMD runs, and can be seen running, before start() returns: a stop meanwhile waits for it.
    synchronized (starting) {
      if (stopped) {
        return STOPPED;
      }
      try {
        p = builder.start();
      } catch (IOException e) {
        throw CommandNotStartedException.of(command.get(0), e);
      }
      process = p;
    }
    try {
      return p.waitFor();
    } catch (InterruptedException e) {
      stop();
      Thread.currentThread().interrupt();
      throw new PgIsolateException("interrupted while running " + command.get(0), e);
    }
  }

  /**
   * Asks a running command and every process it started to stop (SIGTERM), then kills those left
   * after 10 s. A terminal's Ctrl-C reaches CMD's whole process group, but a SIGTERM to pgisolate
   * reaches pgisolate alone, and a shell passes none on to its children: they would go on using
   * databases whose leases end with the server.
   */
  public void stop() {
    Process p;
    synchronized (starting) {
      stopped = true;
      p = process;
    }
    if (p == null) {
      return;
    }
    // Taken before CMD ends: its orphans are no longer its descendants then.
    List<ProcessHandle> started = p.descendants().toList();
    started.forEach(ProcessHandle::destroy);
    Signals.stop(p, "TERM", GRACE);
    long deadline = System.nanoTime() + GRACE.toNanos();
    for (ProcessHandle h : started) {
      try {
        h.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException e) {
        h.destroyForcibly();
      } catch (InterruptedException e) {
        h.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
