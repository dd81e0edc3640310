package io.pgisolate.bench;

import java.util.Arrays;
import java.util.List;

/** Benchmarks of pgisolate against raw PostgreSQL and peer tools: bin/bench NAME [options]. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      usage();
      System.exit(2);
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    if (Arrays.asList(rest).contains("--help") || Arrays.asList(rest).contains("-h")) {
      usage();
      return;
    }
    switch (args[0]) {
      case "cluster-start" -> ClusterStartBench.run(rest);
      case "fresh-database" -> FreshDatabaseBench.run(rest);
      case "lease" -> LeaseBench.run(rest);
      case "isolation" -> IsolationBench.run(rest);
      case "proxy" -> ProxyBench.run(rest);
      case "proxy-connect" -> ProxyConnectBench.run(rest);
      case "transactional-proxy" -> TransactionalProxyBench.run(rest);
      case "jdbc-url" -> JdbcUrlBench.run(rest);
      default -> {
        System.err.println("bench: unknown benchmark '" + args[0] + "'.");
        usage();
        System.exit(2);
      }
    }
  }

  private static void usage() {
    System.err.println("usage: bin/bench BENCHMARK [options]");
    System.err.println("  cluster-start   start-to-first-query of a temporary cluster (issue 2)");
    System.err.println("                  [--runs N]");
    System.err.println(
        "  fresh-database  template clones per test: acquire latency, throughput (issue 3)");
    System.err.println(
        "  lease           lease server round trip at 1/16/64 clients, wake-up latency (issue 5);"
            + " with pgmanager's executable, against its server too, interleaved");
    System.err.println(
        "                  [--iterations 2000] [--wake-ups 1000] [--rounds 1, or 2 with pgmanager]"
            + " [--pgmanager PATH] (default: $PGMANAGER)");
    System.err.println(
        "  isolation       per-test overhead of DATABASE, SCHEMA, TRANSACTION vs raw (issue 4)");
    System.err.println(
        "                  [--tests 1000] [--blocks 10] [--schema-tests N] [--scan-tests 3N]");
    System.err.println(
        "  proxy           pgbench -S through the proxy, pgbouncer and direct (issue 6)");
    System.err.println(
        "                  [--seconds 10] [--rounds 3] [--clients 1,8,32] [--scale 10]"
            + " [--proxy-threads N] [--spin-micros N]");
    System.err.println(
        "                  [--backend-transport tcp|unix] (how the proxy and pgbouncer reach"
            + " PostgreSQL)");
    System.err.println(
        "  proxy-connect   fresh-mode connect-to-first-query latency: clone per connection vs"
            + " direct and cluster per connection (issue 6)");
    System.err.println(
        "                  [--connections 200] [--cluster-connections 20] [--ready 4]"
            + " [--strategy FILE_COPY|WAL_LOG]");
    System.err.println(
        "  transactional-proxy  shared-transaction proxy: BEGIN TEST + ROLLBACK TEST overhead,"
            + " pgbench -S with a test open vs direct and the plain proxy, rollback checks"
            + " (issue 7)");
    System.err.println(
        "                  [--seconds 10] [--rounds 3] [--clients 1,8,32] [--scale 10]"
            + " [--protocol simple|extended|prepared]");
    System.err.println(
        "                  [--tests 1000] [--tpcb-seconds 5] [--tpcb-clients 8]"
            + " [--backend-transport tcp|unix]");
    System.err.println(
        "  jdbc-url        the jdbc:pgisolate: driver: a fresh JVM to the first query on the"
            + " 50-table schema vs raw initdb + createdb + psql -f and zonky, each in a child JVM;"
            + " a new URL name in a warm JVM vs raw CREATE DATABASE … TEMPLATE and zonky");
    System.err.println("                  [--runs 5] [--names 50]");
  }

  static String stringOption(String[] args, String name, String fallback) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }

  static int intOption(String[] args, String name, int fallback) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return fallback;
  }

  /** A comma-separated list of integers, such as {@code --clients 1,8,32}. */
  static List<Integer> intListOption(String[] args, String name, String fallback) {
    return Arrays.stream(stringOption(args, name, fallback).split(","))
        .map(String::trim)
        .map(Integer::parseInt)
        .toList();
  }
}
