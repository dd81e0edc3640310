package io.pgisolate.bench;

import io.pgisolate.os.Text;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Benchmarks of pgisolate against raw PostgreSQL and peer tools: bin/bench NAME [options]. A
 * mistake on the command line or a failure is one line on stderr with a hint, as pgisolate's own
 * commands report them (exit 2 and 1); {@code -v} adds the stack trace.
 */
public final class Main {
  /** A benchmark: its name, its usage lines (which list its options) and what runs it. */
  private record Benchmark(String name, Runner runner, String... usage) {
    /** The options its usage lists, "--runs" for "[--runs N]": no others are taken. */
    Set<String> options() {
      return Arrays.stream(usage)
          .flatMap(line -> OPTION.matcher(line).results().map(MatchResult::group))
          .collect(Collectors.toSet());
    }
  }

  @FunctionalInterface
  private interface Runner {
    void run(String[] args) throws Exception;
  }

  private static final Pattern OPTION = Pattern.compile("--[a-z][a-z-]*");
  private static final List<String> VERBOSE = List.of("-v", "--verbose");

  private static final List<Benchmark> BENCHMARKS =
      List.of(
          new Benchmark(
              "cluster-start",
              ClusterStartBench::run,
              "start-to-first-query of a temporary cluster (issue 2)",
              "[--runs N]"),
          new Benchmark(
              "fresh-database",
              FreshDatabaseBench::run,
              "template clones per test: acquire latency, throughput (issue 3)",
              "[--tests 1000] [--acquisitions 1000] [--blocks 10]"),
          new Benchmark(
              "lease",
              LeaseBench::run,
              "lease server round trip at 1/16/64 clients, wake-up latency (issue 5); with"
                  + " pgmanager's executable, against its server too, interleaved",
              "[--iterations 2000] [--wake-ups 1000] [--rounds 1, or 2 with pgmanager]"
                  + " [--pgmanager PATH] (default: $PGMANAGER)"),
          new Benchmark(
              "isolation",
              IsolationBench::run,
              "per-test overhead of DATABASE, SCHEMA, TRANSACTION vs raw (issue 4)",
              "[--tests 1000] [--blocks 10] [--schema-tests N] [--scan-tests 3N]"),
          new Benchmark(
              "proxy",
              ProxyBench::run,
              "pgbench -S through the proxy, pgbouncer and direct (issue 6)",
              "[--seconds 10] [--rounds 3] [--clients 1,8,32] [--scale 10] [--proxy-threads N]"
                  + " [--spin-micros N]",
              "[--backend-transport tcp|unix] (how the proxy and pgbouncer reach PostgreSQL)"),
          new Benchmark(
              "proxy-connect",
              ProxyConnectBench::run,
              "fresh-mode connect-to-first-query latency: clone per connection vs direct and"
                  + " cluster per connection (issue 6)",
              "[--connections 200] [--cluster-connections 20] [--ready 4]"
                  + " [--strategy FILE_COPY|WAL_LOG]"),
          new Benchmark(
              "transactional-proxy",
              TransactionalProxyBench::run,
              "shared-transaction proxy: BEGIN TEST + ROLLBACK TEST overhead, pgbench -S with a"
                  + " test open vs direct and the plain proxy, rollback checks (issue 7)",
              "[--seconds 10] [--rounds 3] [--clients 1,8,32] [--scale 10]"
                  + " [--protocol simple|extended|prepared]",
              "[--tests 1000] [--tpcb-seconds 5] [--tpcb-clients 8] [--backend-transport"
                  + " tcp|unix]"),
          new Benchmark(
              "jdbc-url",
              JdbcUrlBench::run,
              "the jdbc:pgisolate: driver: a fresh JVM to the first query on the 50-table schema"
                  + " vs raw initdb + createdb + psql -f and zonky, each in a child JVM; a new URL"
                  + " name in a warm JVM vs raw CREATE DATABASE … TEMPLATE and zonky",
              "[--runs 5] [--names 50]"));

  private Main() {}

  public static void main(String[] args) {
    int exit = run(args, new PrintWriter(System.err, true));
    if (exit != 0) {
      System.exit(exit);
    }
  }

  /**
   * Runs the benchmark {@code args} name; 0 when it ran, 1 when it failed, 2 for a mistake on the
   * command line (then no benchmark runs).
   */
  static int run(String[] args, PrintWriter err) {
    boolean verbose = Arrays.stream(args).anyMatch(VERBOSE::contains);
    String[] rest = Arrays.stream(args).filter(a -> !VERBOSE.contains(a)).toArray(String[]::new);
    if (rest.length == 0) {
      usage(err, BENCHMARKS);
      return 2;
    }
    if (isHelp(rest[0])) {
      usage(err, BENCHMARKS);
      return 0;
    }
    Optional<Benchmark> found = BENCHMARKS.stream().filter(b -> b.name().equals(rest[0])).findAny();
    if (found.isEmpty()) {
      err.println(
          "bench: unknown benchmark '"
              + rest[0]
              + "'. Hint: run bin/bench without arguments for the list.");
      return 2;
    }
    Benchmark benchmark = found.get();
    String[] options = Arrays.copyOfRange(rest, 1, rest.length);
    if (Arrays.stream(options).anyMatch(Main::isHelp)) {
      usage(err, List.of(benchmark));
      return 0;
    }
    try {
      checkOptions(benchmark, options);
      benchmark.runner().run(options);
      return 0;
    } catch (UsageException e) {
      err.println(
          "bench: " + e.getMessage() + " Hint: see 'bin/bench " + benchmark.name() + " --help'.");
      return 2;
    } catch (Exception e) {
      err.println("bench: " + Text.failure(e));
      if (verbose) {
        e.printStackTrace(err);
      }
      return 1;
    } finally {
      err.flush();
    }
  }

  private static boolean isHelp(String arg) {
    return arg.equals("--help") || arg.equals("-h");
  }

  /** Every option is one of the benchmark's, followed by its value. */
  private static void checkOptions(Benchmark benchmark, String[] options) {
    Set<String> known = benchmark.options();
    for (int i = 0; i < options.length; i += 2) {
      if (!known.contains(options[i])) {
        throw new UsageException(
            options[i].startsWith("-")
                ? benchmark.name() + " has no option " + options[i] + "."
                : "'" + options[i] + "' is not an option of " + benchmark.name() + ".");
      }
      if (i + 1 == options.length) {
        throw new UsageException(options[i] + " needs a value.");
      }
    }
  }

  private static void usage(PrintWriter err, List<Benchmark> benchmarks) {
    err.println("usage: bin/bench [-v] BENCHMARK [options]   (-v: stack traces on errors)");
    for (Benchmark b : benchmarks) {
      err.printf("  %-15s %s%n", b.name(), b.usage()[0]);
      for (int i = 1; i < b.usage().length; i++) {
        err.printf("  %-15s %s%n", "", b.usage()[i]);
      }
    }
    err.flush();
  }

  /** A mistake on the command line: its message names the option, and the value given. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  static String stringOption(String[] args, String name, String fallback) {
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }

  /** A count, at least 1. */
  static int intOption(String[] args, String name, int fallback) {
    return intOption(args, name, fallback, 1);
  }

  /** A whole number, at least {@code least} (0 where none means something: skip, the default). */
  static int intOption(String[] args, String name, int fallback, int least) {
    String value = stringOption(args, name, null);
    if (value == null) {
      return fallback;
    }
    int number;
    try {
      number = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new UsageException(name + " must be a whole number, but is '" + value + "'.");
    }
    if (number < least) {
      throw new UsageException(name + " must be at least " + least + ", but is '" + value + "'.");
    }
    return number;
  }

  /** A comma-separated list of integers, such as {@code --clients 1,8,32}. */
  static List<Integer> intListOption(String[] args, String name, String fallback) {
    String value = stringOption(args, name, fallback);
    List<Integer> numbers;
    try {
      numbers = Arrays.stream(value.split(",")).map(String::trim).map(Integer::parseInt).toList();
    } catch (NumberFormatException e) {
      throw new UsageException(
          name + " must be whole numbers separated by commas, but is '" + value + "'.");
    }
    if (numbers.stream().anyMatch(n -> n < 1)) {
      throw new UsageException(name + " must be at least 1 each, but is '" + value + "'.");
    }
    return numbers;
  }

  /** One of {@code choices}, such as {@code --backend-transport tcp|unix}. */
  static String choiceOption(String[] args, String name, List<String> choices) {
    String value = stringOption(args, name, choices.get(0));
    if (!choices.contains(value)) {
      throw new UsageException(
          name + " must be one of " + String.join(", ", choices) + ", but is '" + value + "'.");
    }
    return value;
  }
}
