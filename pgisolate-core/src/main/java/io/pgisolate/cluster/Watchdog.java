package io.pgisolate.cluster;

import io.pgisolate.os.Programs;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Stops a postmaster when its JVM dies, even by SIGKILL, when no shutdown hook runs. A tiny shell
 * process reads a pipe from the JVM: when the JVM closes the cluster it writes {@code stop} and the
 * watchdog sends the fast-shutdown signal; when the JVM dies the pipe reaches end-of-file, and the
 * watchdog stops the postmaster (fast, then immediate, then kill) and deletes the cluster's files.
 * It ignores the terminal's signals so that Ctrl-C leaves the cleanup to the JVM's hook.
 */
final class Watchdog {
  private static final String SCRIPT =
      """
      trap '' INT TERM HUP
      pid=$1; shift
      if IFS= read -r cmd; then
        [ "$cmd" = stop ] && kill -INT "$pid" 2>/dev/null
        exit 0
      fi
      kill -INT "$pid" 2>/dev/null
      i=0
      while kill -0 "$pid" 2>/dev/null; do
        i=$((i+1))
        [ "$i" -eq 30 ] && kill -QUIT "$pid" 2>/dev/null
        [ "$i" -ge 60 ] && { kill -KILL "$pid" 2>/dev/null; break; }
        sleep 0.1
      done
      for path in "$@"; do rm -rf -- "$path"; done
      """;

  private final Process process;

  private Watchdog(Process process) {
    this.process = process;
  }

  /** Watches {@code postmasterPid}; {@code leftovers} are deleted if the JVM dies first. */
  static Watchdog start(long postmasterPid, List<Path> leftovers) throws IOException {
    List<String> command = new ArrayList<>(List.of("sh", "-c", SCRIPT, "pgisolate-watchdog"));
    command.add(Long.toString(postmasterPid));
    leftovers.forEach(p -> command.add(p.toString()));
    Process process =
        // Its own session too: a kill of the JVM's process group leaves it to clean up after it.
        new ProcessBuilder(Programs.inOwnSession(command))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .directory(Path.of("/").toFile())
            .start();
    return new Watchdog(process);
  }

  /**
   * Asks the watchdog to send the fast-shutdown signal (SIGINT) and exit; false when it is gone,
   * and the caller must signal the postmaster itself.
   */
  boolean requestFastShutdown() {
    try {
      OutputStream pipe = process.getOutputStream();
      pipe.write("stop\n".getBytes(StandardCharsets.US_ASCII));
      pipe.flush();
      pipe.close();
      return process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS) && process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Ends the watchdog without touching the postmaster (which is already stopped). */
  void dismiss() {
    if (process.isAlive()) {
      try {
        process.getOutputStream().write("dismiss\n".getBytes(StandardCharsets.US_ASCII));
        process.getOutputStream().close();
      } catch (IOException e) {
        process.destroyForcibly();
      }
    }
  }

  long pid() {
    return process.pid();
  }
}
