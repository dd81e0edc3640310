package io.pgisolate.bench;

import io.pgisolate.binaries.BinariesResolver;
import io.pgisolate.binaries.PgBinaries;
import io.pgisolate.cluster.JvmServer;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.os.CacheDirectory;
import io.pgisolate.os.Directories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code jdbc:pgisolate:} driver as its user feels it. Cold: a fresh JVM to the first query's
 * answer on a database with the 50-table schema (scripts in a directory), each sample a child JVM,
 * against raw initdb + pg_ctl + createdb + psql -f and zonky's PreparedDbProvider doing the same in
 * a child JVM, interleaved. Warm: a database under a new URL name in a JVM that has one already
 * ({@link JdbcUrlWarm}).
 */
final class JdbcUrlBench {
  static final String MAJOR = "18";
  private static final String URL_VARIABLE = "JDBC_URL_BENCH_URL";
  static final String JVM = "JVM start alone (prints, exits)";
  static final String PGJDBC = "pgjdbc query, running server (trust)";
  static final String PGJDBC_SCRAM = "pgjdbc query, running server (SCRAM)";
  static final String PGISOLATE = "pgisolate jdbc:pgisolate: URL";
  static final String PGISOLATE_SERVER = "pgisolate URL + pgisolate.url (template kept)";
  static final String RAW = "raw initdb+pg_ctl, createdb, psql -f (shm)";
  static final String ZONKY = "zonky PreparedDbProvider (default, /tmp)";
  static final String ZONKY_SHM = "zonky PreparedDbProvider (data on /dev/shm)";

  private JdbcUrlBench() {}

  static void run(String[] args) throws Exception {
    int runs = Main.intOption(args, "--runs", 5);
    int names = Main.intOption(args, "--names", 50);
    if (JvmServer.configuredUrl(k -> Optional.ofNullable(System.getProperty(k))).isPresent()) {
      throw new IllegalStateException(
          "jdbc-url measures the driver on its temporary cluster, but "
              + JvmServer.URL_ENV
              + " or -D"
              + JvmServer.URL_PARAMETER
              + " names a server. Hint: unset it for this run.");
    }
    PgBinaries binaries =
        BinariesResolver.resolve(
            BinariesResolver.Request.fromEnvironment(
                Optional.empty(), Optional.of(MAJOR), CacheDirectory.resolve(Optional.empty())));
    Path scripts = Files.createTempDirectory("jdbc-url-bench-");
    try {
      Files.writeString(scripts.resolve("schema.sql"), FreshDatabaseBench.schemaSql());
      String url = "jdbc:pgisolate:///app?scripts=file:" + scripts + "&version=" + MAJOR;
      System.out.printf(
          "jdbc-url: %d interleaved runs of each cold contender, %d names warm; %d tables x %d"
              + " rows (scripts=file:%s/schema.sql); PostgreSQL %s (zonky's build, for every"
              + " contender); user %s, %d cores, load average %s%n",
          runs,
          names,
          FreshDatabaseBench.TABLES,
          FreshDatabaseBench.ROWS_PER_TABLE,
          scripts,
          binaries.version(),
          System.getProperty("user.name"),
          Runtime.getRuntime().availableProcessors(),
          loadAverage());
      System.out.println(
          "Testcontainers' jdbc:tc:postgresql: URL, the usual peer, needs a Docker engine, which"
              + " this machine does not have: the peer is zonky's PreparedDbProvider (what"
              + " embedded-database-spring-test builds on).");
      cold(url, binaries, scripts, runs);
      JdbcUrlWarm.run(url, scripts, names);
      System.out.println("load average at the end: " + loadAverage());
    } finally {
      Directories.deleteTree(scripts);
    }
  }

  /** A child JVM's way to the answer. */
  private record Cold(String name, Map<String, String> env, List<String> args, int tables) {
    Cold(String name, Map<String, String> env, List<String> args) {
      this(name, env, args, FreshDatabaseBench.TABLES);
    }

    /** One sample, checked: the child found the schema's tables (or none, for a reference). */
    ChildJvm.Timing once() throws Exception {
      ChildJvm.Timing t = ChildJvm.run(List.of(), env, args);
      if (t.answer() != tables) {
        throw new IllegalStateException(
            name + " answered " + t.answer() + " tables, not " + tables);
      }
      return t;
    }
  }

  private static void cold(String url, PgBinaries binaries, Path scripts, int runs)
      throws Exception {
    System.out.println();
    System.out.println(
        "Cold: each sample a fresh JVM (this java and classpath, default JVM options) that gets"
            + " its database and runs '"
            + JdbcUrlChild.QUERY
            + "'; timed from spawn to the answer on its stdout, and to its exit (shutdown and"
            + " cleanup included). Raw runs the same steps by hand inside the child JVM (initdb,"
            + " pg_ctl start -w, createdb and psql -f as processes; then pgjdbc), so every"
            + " contender pays the same JVM start. psql and createdb are the system's clients.");
    firstUse(url);
    try (TempCluster server = TempCluster.builder().version(MAJOR).start();
        RawCluster trust = RawCluster.start(binaries.bin())) {
      String dir = scripts.toString();
      List<Cold> contenders =
          List.of(
              new Cold(JVM, Map.of(), List.of("jvm"), 0),
              new Cold(PGJDBC, Map.of(), List.of("url", trust.jdbcUrl("postgres")), 0),
              new Cold(
                  PGJDBC_SCRAM,
                  Map.of(URL_VARIABLE, server.jdbcUrl("postgres")),
                  List.of("url", "env:" + URL_VARIABLE),
                  0),
              new Cold(PGISOLATE, Map.of(), List.of("url", url)),
              new Cold(
                  PGISOLATE_SERVER,
                  Map.of(JvmServer.URL_ENV, server.jdbcUrl("postgres")),
                  List.of("url", url)),
              new Cold(RAW, Map.of(), List.of("raw", binaries.bin().toString(), dir)),
              new Cold(ZONKY, Map.of(), List.of("zonky", dir)),
              new Cold(ZONKY_SHM, Map.of(), List.of("zonky", dir, "/dev/shm")));
      List<Samples> answers = new ArrayList<>();
      List<Samples> exits = new ArrayList<>();
      System.out.println("first round, not counted (answer / exit, ms):");
      for (Cold c : contenders) {
        ChildJvm.Timing t = c.once();
        System.out.printf(
            "  %-44s %6.0f / %6.0f%n", c.name, t.answerNanos() / 1e6, t.exitNanos() / 1e6);
        answers.add(new Samples(c.name));
        exits.add(new Samples(c.name));
      }
      for (int run = 0; run < runs; run++) {
        for (int i = 0; i < contenders.size(); i++) {
          ChildJvm.Timing t = contenders.get(i).once();
          answers.get(i).add(t.answerNanos());
          exits.get(i).add(t.exitNanos());
        }
      }
      coldReport("Fresh JVM to the query's answer", answers);
      System.out.printf(
          "a fresh JVM's first SCRAM login (pgisolate's clusters have a password) takes %.0f ms"
              + " longer than a trust login (medians)%n",
          named(answers, PGJDBC_SCRAM).medianMillis() - named(answers, PGJDBC).medianMillis());
      coldReport("Fresh JVM to its exit (cluster stopped, files deleted)", exits);
    }
    System.out.println(
        "The driver on a temporary cluster builds the template in every JVM: the cluster, and"
            + " the template in it, go at JVM exit; only initdb's result is cached on disk (and"
            + " the extracted binaries). With pgisolate.url / PGISOLATE_URL naming a server that"
            + " outlives the JVM, the template is built once and every later JVM only clones it"
            + " ('"
            + PGISOLATE_SERVER
            + "': a TempCluster started by this bench, untimed; the first round built the"
            + " template).");
  }

  /**
   * The first use on a machine: an empty cache directory, so the child extracts the binaries and
   * runs initdb before it caches the result.
   */
  private static void firstUse(String url) throws Exception {
    Path cache =
        Files.createTempDirectory(
            "jdbc-url-bench-cache-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    try {
      Cold c =
          new Cold(PGISOLATE, Map.of(CacheDirectory.ENV, cache.toString()), List.of("url", url));
      ChildJvm.Timing t = c.once();
      System.out.printf(
          "first use on a machine (pgisolate, empty %s: extracts the binaries, runs initdb):"
              + " answer after %.0f ms, exit after %.0f ms%n",
          CacheDirectory.ENV, t.answerNanos() / 1e6, t.exitNanos() / 1e6);
    } finally {
      Directories.deleteTree(cache);
    }
  }

  private static void coldReport(String title, List<Samples> all) {
    Samples raw = named(all, RAW);
    Report.print(System.out, title + " (ms)", all, raw);
    double ours = named(all, PGISOLATE).medianMillis();
    double reference = named(all, PGJDBC).medianMillis();
    System.out.printf(
        "pgisolate / raw = %.2f; pgisolate / zonky = %.2f (default), %.2f (/dev/shm);"
            + " pgisolate.url / raw = %.2f%n",
        ours / raw.medianMillis(),
        ours / named(all, ZONKY).medianMillis(),
        ours / named(all, ZONKY_SHM).medianMillis(),
        named(all, PGISOLATE_SERVER).medianMillis() / raw.medianMillis());
    System.out.printf(
        "beyond a fresh JVM's first pgjdbc query (trust; median - %.0f ms): pgisolate %.0f ms,"
            + " pgisolate.url %.0f ms, raw %.0f ms, zonky %.0f ms (default), %.0f ms (/dev/shm)%n",
        reference,
        ours - reference,
        named(all, PGISOLATE_SERVER).medianMillis() - reference,
        raw.medianMillis() - reference,
        named(all, ZONKY).medianMillis() - reference,
        named(all, ZONKY_SHM).medianMillis() - reference);
  }

  static Samples named(List<Samples> all, String name) {
    return all.stream().filter(s -> s.name.equals(name)).findFirst().orElseThrow();
  }

  static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }
}
