package io.pgisolate.bench;

import io.pgisolate.PgIsolateException;
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
  private static final Pattern FAILED = Pattern.compile("number of failed transactions: ([0-9]+)");

  /** The query modes of pgbench's -M. */
  static final List<String> QUERY_MODES = List.of("simple", "extended", "prepared");

  /**
   * What one pgbench run reported.
   *
   * @param failed transactions that failed (serialization or deadlock errors, retried up to
   *     --max-tries); -1 from a pgbench older than 15, which does not report them
   */
  record Result(double tps, long transactions, long failed) {}

  /** Where a pgbench run connects: a server, the proxy or pgbouncer. */
  record Endpoint(String host, int port, String user, String password, String database) {}

  private final String executable;
  private final String queryMode;

  Pgbench(String executable, String queryMode) {
    this.executable = executable;
    this.queryMode = queryMode;
  }

  /** The pgbench on the PATH, or a message saying how to get one. */
  static Pgbench find() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "pgbench");
      if (Files.isExecutable(candidate)) {
        return new Pgbench(candidate.toString(), "simple");
      }
    }
    throw new PgIsolateException(
        "pgbench is not on the PATH. Hint: apt-get install -y postgresql-client (Debian/Ubuntu).");
  }

  /** This pgbench with {@code -M mode}: simple (its default), extended or prepared. */
  Pgbench queryMode(String mode) {
    if (!QUERY_MODES.contains(mode)) {
      throw new IllegalArgumentException(
          "the query mode must be one of " + QUERY_MODES + ", was '" + mode + "'");
    }
    return new Pgbench(executable, mode);
  }

  String queryMode() {
    return queryMode;
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
    return bench(endpoint, List.of("-S"), clients, threads, seconds);
  }

  /**
   * pgbench's default script (TPC-B-like: in one transaction, updates of an account, a teller and a
   * branch, a select and an insert into pgbench_history) for {@code seconds}.
   */
  Result tpcb(Endpoint endpoint, int clients, int threads, int seconds) {
    return bench(endpoint, List.of(), clients, threads, seconds);
  }

  /** A timed run, with -n: pgbench's VACUUM before a run also truncates pgbench_history. */
  private Result bench(
      Endpoint endpoint, List<String> script, int clients, int threads, int seconds) {
    List<String> arguments = new ArrayList<>(script);
    arguments.addAll(
        List.of(
            "-n",
            "-M",
            queryMode,
            "-c",
            Integer.toString(clients),
            "-j",
            Integer.toString(threads),
            "-T",
            Integer.toString(seconds)));
    return parse(run(endpoint, arguments, seconds + 120));
  }

  /** The figures of a timed run's report. */
  static Result parse(String output) {
    Matcher tps = TPS.matcher(output);
    Matcher transactions = TRANSACTIONS.matcher(output);
    if (!tps.find() || !transactions.find()) {
      throw new IllegalStateException("pgbench printed no TPS figure:\n" + output);
    }
    Matcher failed = FAILED.matcher(output);
    return new Result(
        Double.parseDouble(tps.group(1)),
        Long.parseLong(transactions.group(1)),
        failed.find() ? Long.parseLong(failed.group(1)) : -1);
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
