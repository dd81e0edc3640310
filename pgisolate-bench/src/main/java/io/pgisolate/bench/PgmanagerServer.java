package io.pgisolate.bench;

import io.pgisolate.os.Directories;
import io.pgisolate.os.Signals;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@code pgmanager serve} process (the Rust lease server pgisolate's is compatible with) on a
 * socket in a temporary directory of its own, started and stopped by its process id; the directory
 * goes with it.
 */
final class PgmanagerServer implements LeaseTarget.Server {
  private final Path directory;
  private final Path socket;
  private final Process process;

  private PgmanagerServer(Path directory, Path socket, Process process) {
    this.directory = directory;
    this.socket = socket;
    this.process = process;
  }

  /** The executable that {@code --pgmanager PATH}, else the environment's PGMANAGER, names. */
  static String option(String[] args) {
    return Main.stringOption(args, "--pgmanager", System.getenv().getOrDefault("PGMANAGER", ""));
  }

  static PgmanagerServer start(Path executable, Path tmpRoot, String prefix, int count) {
    Path directory;
    try {
      directory = Files.createTempDirectory(tmpRoot, "pgisolate-bench-pgmanager-");
    } catch (IOException e) {
      throw new UncheckedIOException("could not make a directory for pgmanager", e);
    }
    Path socket = directory.resolve("pgm.sock");
    // pgmanager reads the socket from -s only (before the subcommand), the pool from the
    // environment.
    ProcessBuilder builder =
        new ProcessBuilder(List.of(executable.toString(), "-s", socket.toString(), "serve"))
            .redirectErrorStream(true)
            .redirectOutput(directory.resolve("pgmanager.log").toFile());
    Map<String, String> env = builder.environment();
    env.put("PGM_DATABASE_PREFIX", prefix);
    env.put("PGM_DATABASE_COUNT", Integer.toString(count));
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      Directories.deleteTree(directory);
      throw new UncheckedIOException("could not start " + executable + ": " + e.getMessage(), e);
    }
    PgmanagerServer server = new PgmanagerServer(directory, socket, process);
    server.awaitListening();
    return server;
  }

  @Override
  public Path socket() {
    return socket;
  }

  /** pgmanager shows no waiting clients. */
  @Override
  public void awaitWaiter() {}

  /**
   * The socket appears when pgmanager binds it; connections queue from then on. Not probed with a
   * connection: that would be a lease.
   */
  private void awaitListening() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.exists(socket)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        String log = log();
        close();
        throw new IllegalStateException("pgmanager did not listen on " + socket + ":\n" + log);
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new IllegalStateException("interrupted while starting pgmanager", e);
      }
    }
  }

  private String log() {
    try {
      return Files.readString(directory.resolve("pgmanager.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * SIGINT to its pid, pgmanager's clean shutdown (SIGTERM would leave its socket behind); SIGKILL
   * if it is still there after 5 s. Then its directory is removed.
   */
  @Override
  public void close() {
    try {
      Signals.stop(process, "INT", Duration.ofSeconds(5));
    } finally {
      Directories.deleteTree(directory);
    }
  }
}
