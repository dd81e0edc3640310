package io.pgisolate.os;

import java.time.Duration;
import java.util.List;

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
}
