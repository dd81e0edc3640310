package io.pgisolate.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the pgbench client (libpq) and reads the TPS it reports. */
final class Pgbench {
  private static final Pattern TPS =
      Pattern.compile("tps = ([0-9.]+) \\((?:without|excluding) initial connection");
  private static final Pattern TRANSACTIONS =
      Pattern.compile("number of transactions actually processed: ([0-9]+)");

  /** What one pgbench run reported. */
  record Result(double tps, long transactions) {}

  /** Where a pgbench run connects: a server, the proxy or pgbouncer. */
  record Endpoint(String host, int port, String user, String password, String database) {}

  private final String executable;

  private Pgbench(String executable) {
    this.executable = executable;
  }

  /** The pgbench on the PATH, or a message saying how to get one. */
  static Pgbench find() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "pgbench");
      if (Files.isExecutable(candidate)) {
        return new Pgbench(candidate.toString());
      }
    }
    throw new IllegalStateException(
        "pgbench is not on the PATH. Hint: apt-get install -y postgresql-client (Debian/Ubuntu)");
  }

  /** pgbench -i: the pgbench tables at {@code scale} (100,000 accounts per unit). */
  void initialise(Endpoint endpoint, int scale) {
    run(endpoint, List.of("-i", "-q", "-s", Integer.toString(scale)), 600);
  }

  /**
   * pgbench -S (SELECT only, one primary-key lookup per transaction) for {@code seconds}, with
   * {@code clients} connections on {@code threads} threads; returns the TPS without connection time
   * and the number of transactions.
   */
  Result selectOnly(Endpoint endpoint, int clients, int threads, int seconds) {
    String output =
        run(
            endpoint,
            List.of(
                "-S",
                "-n",
                "-c",
                Integer.toString(clients),
                "-j",
                Integer.toString(threads),
                "-T",
                Integer.toString(seconds)),
            seconds + 120);
    Matcher tps = TPS.matcher(output);
    Matcher transactions = TRANSACTIONS.matcher(output);
    if (!tps.find() || !transactions.find()) {
      throw new IllegalStateException("pgbench printed no TPS figure:\n" + output);
    }
    return new Result(Double.parseDouble(tps.group(1)), Long.parseLong(transactions.group(1)));
  }

  private String run(Endpoint endpoint, List<String> arguments, int timeoutSeconds) {
    List<String> command = new ArrayList<>();
    command.add(executable);
    command.addAll(
        List.of(
            "-h", endpoint.host(), "-p", Integer.toString(endpoint.port()), "-U", endpoint.user()));
    command.addAll(arguments);
    command.add(endpoint.database());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("PGPASSWORD", endpoint.password() == null ? "" : endpoint.password());
    builder.environment().put("PGCONNECT_TIMEOUT", "10");
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    try {
      Process process = builder.start();
      try {
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
          throw new IllegalStateException("pgbench did not finish in " + timeoutSeconds + " s");
        }
        if (process.exitValue() != 0) {
          throw new IllegalStateException(
              "pgbench "
                  + arguments
                  + " against "
                  + endpoint.host()
                  + ":"
                  + endpoint.port()
                  + " exited with "
                  + process.exitValue()
                  + ":\n"
                  + output);
        }
        return output;
      } finally {
        process.destroyForcibly();
      }
    } catch (IOException e) {
      throw new IllegalStateException("could not run " + executable + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while pgbench ran", e);
    }
  }
}
