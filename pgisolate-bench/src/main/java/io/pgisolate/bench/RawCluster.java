package io.pgisolate.bench;

import io.pgisolate.os.Commands;
import io.pgisolate.os.Directories;
import io.pgisolate.os.RunAs;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The baselines' PostgreSQL: what a shell script does, {@code initdb} then {@code pg_ctl start -w},
 * with its data on /dev/shm (as pgisolate's), trust authentication for user {@code postgres} on
 * 127.0.0.1. {@link #close()} stops it ({@code pg_ctl stop -m immediate -w}) and deletes its files.
 */
final class RawCluster implements AutoCloseable {
  private static final Map<String, String> ENV = Map.of("LC_ALL", "C");
  private static final Duration LIMIT = Duration.ofMinutes(2);

  private final Path bin;
  private final Path root;
  private final RunAs runAs;
  private final int port;

  private RawCluster(Path bin, Path root, RunAs runAs, int port) {
    this.bin = bin;
    this.root = root;
    this.runAs = runAs;
    this.port = port;
  }

  /**
   * Runs initdb and pg_ctl start -w with the binaries in {@code bin}; nothing is left on failure.
   */
  static RawCluster start(Path bin) throws IOException {
    RunAs runAs = RunAs.resolve(Optional.empty());
    Path root = Files.createTempDirectory(Path.of("/dev/shm"), "raw-bench-");
    runAs.own(root);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RawCluster cluster = new RawCluster(bin, root, runAs, port);
    try {
      cluster.pg(
          "initdb",
          "-D",
          cluster.data(),
          "-U",
          "postgres",
          "-A",
          "trust",
          "-E",
          "UTF8",
          "--locale=C",
          "--no-sync");
      cluster.pg(
          "pg_ctl",
          "-D",
          cluster.data(),
          "-w",
          "-l",
          root.resolve("log").toString(),
          "-o",
          "-p " + port + " -k " + root + " -c fsync=off",
          "start");
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  int port() {
    return port;
  }

  /** A pgjdbc URL of {@code database} as user postgres. */
  String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
  }

  private String data() {
    return root.resolve("data").toString();
  }

  /** Runs one of the cluster's programs (as the unprivileged user when this JVM is root). */
  private void pg(String program, String... args) {
    List<String> command = new ArrayList<>();
    command.add(bin.resolve(program).toString());
    command.addAll(Arrays.asList(args));
    check(Commands.run(runAs.wrap(command), LIMIT, ENV));
  }

  /** Runs a client program (psql, createdb) as this JVM's user; it fails on a non-zero exit. */
  static void client(List<String> command) {
    check(Commands.run(command, LIMIT, ENV));
  }

  private static void check(Commands.Result result) {
    if (result.exitCode() != 0) {
      throw new IllegalStateException("command failed: " + result.tail(5));
    }
  }

  @Override
  public void close() {
    Commands.run(
        runAs.wrap(
            List.of(
                bin.resolve("pg_ctl").toString(), "-D", data(), "-m", "immediate", "-w", "stop")),
        LIMIT,
        ENV);
    Directories.deleteTree(root);
  }
}
