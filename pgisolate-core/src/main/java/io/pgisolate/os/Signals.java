package io.pgisolate.os;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Sends POSIX signals. The JDK can only send SIGTERM and SIGKILL, but PostgreSQL's fast and
 * immediate shutdowns are SIGINT and SIGQUIT.
 */
public final class Signals {
  private Signals() {}

  /** Sends {@code signal} (INT, QUIT, KILL…) to {@code pid}; true when it was delivered. */
  public static boolean send(long pid, String signal) {
    return Commands.run(
                List.of("kill", "-" + signal, Long.toString(pid)), Duration.ofSeconds(10), null)
            .exitCode()
        == 0;
  }

  /**
   * Stops {@code process}: {@code signal} (TERM, INT…) to its pid, then SIGKILL when it has not
   * ended within {@code grace}; returns once it has ended, or 5 s after the SIGKILL.
   */
  public static void stop(Process process, String signal, Duration grace) {
    if (process.isAlive()) {
      if (signal.equals("TERM")) {
        process.destroy();
      } else {
        send(process.pid(), signal);
      }
    }
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
