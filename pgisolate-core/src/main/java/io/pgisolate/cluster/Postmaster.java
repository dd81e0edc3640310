package io.pgisolate.cluster;

import io.pgisolate.binaries.PgBinaries;
import io.pgisolate.os.Programs;
import io.pgisolate.os.RunAs;
import io.pgisolate.os.Signals;
import io.pgisolate.wire.AdminConnection;
import io.pgisolate.wire.ServerErrorException;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * A running postgres server process, launched directly (not through pg_ctl, whose readiness wait
 * polls at 10 Hz and adds ~90 ms to every start and stop).
 */
final class Postmaster {
  /** SQLSTATE cannot_connect_now: the server is starting up or shutting down. */
  private static final String CANNOT_CONNECT_NOW = "57P03";

  private final Process process;
  private final Path socket;

  private Postmaster(Process process, Path socket) {
    this.process = process;
    this.socket = socket;
  }

  static Postmaster launch(
      PgBinaries binaries, RunAs runAs, Path dataDir, int port, Path socketDir, Path logFile)
      throws IOException {
    List<String> command =
        Programs.inOwnSession(
            runAs.wrap(
                List.of(
                    binaries.postgres().toString(), "-D", dataDir.toString(), "-p", "" + port)));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .redirectErrorStream(true)
            .directory(Path.of("/").toFile());
    // English start-up messages: the log is read to explain failures.
    builder.environment().put("LC_ALL", "C");
    Process process = builder.start();
    return new Postmaster(process, socketDir.resolve(".s.PGSQL." + port));
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  Path socket() {
    return socket;
  }

  /** Exit code of a postmaster that has exited. */
  int exitCode() {
    return process.exitValue();
  }

  /**
   * Waits until the server completes a connection start-up, by connecting: the socket file appears
   * when the postmaster listens, and connections are refused with 57P03 until recovery ends.
   *
   * @return an open administrative connection to {@code database}
   * @throws PostmasterExitedException when the process exits first
   * @throws TimeoutException when {@code timeout} passes first
   */
  AdminConnection awaitReady(String user, String database, Duration timeout)
      throws TimeoutException, PostmasterExitedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = TimeUnit.MICROSECONDS.toNanos(200);
    UnixDomainSocketAddress address = UnixDomainSocketAddress.of(socket);
    while (true) {
      try {
        return AdminConnection.open(address, user, database, timeout);
      } catch (ServerErrorException e) {
        if (!CANNOT_CONNECT_NOW.equals(e.error().code())) {
          throw e;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (!process.isAlive()) {
        throw new PostmasterExitedException(process.exitValue());
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException();
      }
      // A connection attempt costs microseconds; back off gently so start-up is seen at once.
      LockSupport.parkNanos(pause);
      pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  /**
   * Stops the server: fast shutdown (SIGINT, sent by the watchdog when it is alive), then immediate
   * (SIGQUIT), then SIGKILL, each given a bounded time.
   */
  void stop(Watchdog watchdog, Duration grace) {
    if (!process.isAlive()) {
      if (watchdog != null) {
        watchdog.dismiss();
      }
      return;
    }
    if (watchdog == null || !watchdog.requestFastShutdown()) {
      Signals.send(process.pid(), "INT");
    }
    if (awaitExit(grace)) {
      return;
    }
    Signals.send(process.pid(), "QUIT");
    if (awaitExit(grace)) {
      return;
    }
    process.destroyForcibly();
    awaitExit(grace);
  }

  boolean awaitExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }

  /** The postmaster exited before it was ready. */
  static final class PostmasterExitedException extends Exception {
    private static final long serialVersionUID = 1L;
    final int exitCode;

    PostmasterExitedException(int exitCode) {
      super("postgres exited with code " + exitCode);
      this.exitCode = exitCode;
    }
  }
}
