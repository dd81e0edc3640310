package io.pgisolate.bench;

import io.pgisolate.os.Directories;
import io.pgisolate.os.RunAs;
import io.pgisolate.os.Signals;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A pgbouncer in session mode in front of one PostgreSQL server, started from a generated ini on a
 * free port and stopped by its process id. pgbouncer refuses to run as root, so a root JVM runs it
 * as the same unprivileged user as PostgreSQL ({@link RunAs}).
 */
final class Pgbouncer implements AutoCloseable {
  static final String INSTALL_HINT = "apt-get install -y pgbouncer (Debian/Ubuntu)";

  private final Path directory;
  private final Process process;
  private final int port;

  private Pgbouncer(Path directory, Process process, int port) {
    this.directory = directory;
    this.process = process;
    this.port = port;
  }

  /** The pgbouncer executable on the PATH or in the sbin directories, if installed. */
  static Optional<Path> find() {
    List<String> dirs =
        new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
    dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/usr/local/bin"));
    return dirs.stream()
        .filter(d -> !d.isEmpty())
        .map(d -> Path.of(d, "pgbouncer"))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /**
   * Starts pgbouncer relaying every database to {@code serverHost:serverPort} in session mode.
   * Clients are trusted; pgbouncer logs in to PostgreSQL as {@code user} with {@code password} (the
   * auth_file holds it in plain text, so pgbouncer can answer SCRAM).
   *
   * @param poolSize server connections per database and user: at least the largest client count
   */
  static Pgbouncer start(
      Path executable,
      RunAs runAs,
      String serverHost,
      int serverPort,
      String user,
      String password,
      int poolSize) {
    Path directory;
    try {
      directory = Files.createTempDirectory("pgisolate-bench-pgbouncer-");
      runAs.own(directory);
      int port = freePort();
      Path userlist = directory.resolve("userlist.txt");
      Files.writeString(userlist, quote(user) + " " + quote(password) + "\n");
      runAs.own(userlist);
      Path ini = directory.resolve("pgbouncer.ini");
      Files.writeString(
          ini,
          String.join(
              "\n",
              "[databases]",
              "* = host=" + serverHost + " port=" + serverPort,
              "[pgbouncer]",
              "listen_addr = 127.0.0.1",
              "listen_port = " + port,
              "unix_socket_dir =",
              "auth_type = trust",
              "auth_file = " + userlist,
              "pool_mode = session",
              "max_client_conn = " + (poolSize + 10),
              "default_pool_size = " + poolSize,
              "logfile = " + directory.resolve("pgbouncer.log"),
              ""));
      runAs.own(ini);
      ProcessBuilder builder =
          new ProcessBuilder(runAs.wrap(List.of(executable.toString(), ini.toString())))
              .redirectErrorStream(true)
              .redirectOutput(directory.resolve("stdout.log").toFile())
              .directory(directory.toFile());
      Process process = builder.start();
      Pgbouncer bouncer = new Pgbouncer(directory, process, port);
      bouncer.awaitListening();
      return bouncer;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start pgbouncer: " + e.getMessage(), e);
    }
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  private void awaitListening() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        String log = logTail();
        close();
        throw new IllegalStateException(
            "pgbouncer exited with " + process.exitValue() + " at start-up:\n" + log);
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        sleep(20);
      }
    }
    String log = logTail();
    close();
    throw new IllegalStateException("pgbouncer did not listen within 10 s:\n" + log);
  }

  private String logTail() {
    StringBuilder out = new StringBuilder();
    for (String name : List.of("stdout.log", "pgbouncer.log")) {
      Path file = directory.resolve(name);
      try {
        if (Files.exists(file)) {
          List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
          lines
              .subList(Math.max(0, lines.size() - 10), lines.size())
              .forEach(l -> out.append(l).append('\n'));
        }
      } catch (IOException e) {
        out.append("(could not read ").append(file).append(": ").append(e.getMessage());
      }
    }
    return out.toString();
  }

  /** SIGTERM to its pid (pgbouncer's immediate shutdown), then removes its directory. */
  @Override
  public void close() {
    Signals.stop(process, "TERM", Duration.ofSeconds(10));
    Directories.deleteTree(directory);
  }

  private static String quote(String value) {
    return "\"" + value.replace("\"", "\"\"") + "\"";
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for pgbouncer", e);
    }
  }
}
