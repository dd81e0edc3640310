package io.pgisolate.bench;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.proxy.ProxyServer;
import io.pgisolate.proxy.transactional.SharedTransaction;
import io.pgisolate.proxy.transactional.TransactionalProxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Issue 7: what the transactional proxy (shared-transaction mode) costs, in one run.
 *
 * <ol>
 *   <li>Per-test overhead: BEGIN TEST + ROLLBACK TEST from a JDBC connection through the proxy,
 *       against BEGIN + ROLLBACK straight to PostgreSQL and through the plain proxy, interleaved in
 *       blocks.
 *   <li>pgbench -S TPS through the transactional proxy with a test open (BEGIN TEST before each
 *       run, ROLLBACK TEST after), against direct and the plain proxy, interleaved per round as in
 *       {@link ProxyBench}. All clients share one server session, so the ceiling is one direct
 *       connection's TPS: the target is -c 8 through the proxy at 0.7 x direct -c 1 or more.
 *   <li>Checks: no failed transactions through the proxy, the pgbench tables unchanged afterwards,
 *       and a TPC-B-like pgbench run (the default script) through the proxy inside a test whose
 *       rows are in pgbench_history during the test and gone after ROLLBACK TEST.
 * </ol>
 *
 * <p>Both proxies run in this JVM, as in {@link ProxyBench}. Any failed check makes the benchmark
 * exit with an error after printing everything.
 */
final class TransactionalProxyBench {
  private TransactionalProxyBench() {}

  /**
   * How long a client waits for the shared session. pgbench's clients queue for it for a few
   * transactions' time at most; a client that waits longer is stuck, and the run is failed.
   */
  private static final Duration TURN_TIMEOUT = Duration.ofSeconds(10);

  static void run(String[] args) throws Exception {
    int seconds = Main.intOption(args, "--seconds", 10);
    int rounds = Main.intOption(args, "--rounds", 3);
    int scale = Main.intOption(args, "--scale", 10);
    int tests = Main.intOption(args, "--tests", 1000);
    int tpcbSeconds = Main.intOption(args, "--tpcb-seconds", 5);
    int tpcbClients = Main.intOption(args, "--tpcb-clients", 8);
    BackendTransport transport = BackendTransport.fromOptions(args);
    List<Integer> clientCounts = Main.intListOption(args, "--clients", "1,8,32");
    int maxClients =
        Math.max(tpcbClients, clientCounts.stream().mapToInt(Integer::intValue).max().orElse(1));
    Pgbench pgbench =
        Pgbench.find().queryMode(Main.choiceOption(args, "--protocol", Pgbench.QUERY_MODES));
    int cores = Runtime.getRuntime().availableProcessors();

    try (TempCluster pg =
        TempCluster.builder()
            .version("18")
            .setting("max_connections", Integer.toString(2 * maxClients + 10))
            .start()) {
      System.out.printf(
          "transactional-proxy: pgbench -S -M %s, scale %d, %d s per run, %d interleaved rounds,"
              + " clients %s; %d BEGIN TEST + ROLLBACK TEST%n",
          pgbench.queryMode(), scale, seconds, rounds, clientCounts, tests);
      Pgbench.Endpoint direct =
          new Pgbench.Endpoint(pg.host(), pg.port(), pg.user(), pg.password(), pg.database());
      pgbench.initialise(direct, scale);
      Tables initial = Tables.read(pg);

      try (ProxyServer plain = transport.plainProxy(pg).start();
          TransactionalProxy transactional =
              transport.transactionalProxy(pg).waitTimeout(TURN_TIMEOUT).start();
          Connection control = transactional.connect()) {
        System.out.printf(
            "%s; %d cores; both proxies in this JVM (plain: %d event loop thread(s),"
                + " transactional: one); load average %s%n",
            pg.binaries(), cores, plain.settings().eventLoopThreads(), TpsRounds.loadAverage());
        System.out.printf(
            "clients connect over TCP; the proxies reach PostgreSQL over %s%n",
            transport.description());
        List<String> problems = new ArrayList<>();

        perTestOverhead(pg, plain, transactional, tests);

        System.out.println();
        OpenTests openTests = new OpenTests(control);
        long pid = ProcessHandle.current().pid();
        List<TpsRounds.Target> targets =
            List.of(
                new TpsRounds.Target("direct (TCP)", direct, -1),
                new TpsRounds.Target("pgisolate proxy (plain)", endpoint(plain, pg), pid),
                new TpsRounds.Target(
                    "pgisolate proxy (transactional, test open)",
                    endpoint(transactional),
                    pid,
                    openTests));
        TpsRounds tps = new TpsRounds(pgbench, targets, seconds, rounds, pg.pid());
        Map<Integer, List<TpsRounds.Measured>> results = tps.measure(clientCounts);
        Rates directOne = results.containsKey(1) ? results.get(1).get(0).tps() : null;
        tps.print(
            results,
            (clients, measured) -> {
              double ours = measured.get(2).tps().median();
              System.out.printf(
                  "%-8s transactional/plain %.2fx%s (medians)%n",
                  "",
                  ours / measured.get(1).tps().median(),
                  directOne == null
                      ? ""
                      : String.format(
                          ", transactional/direct -c 1 %.2fx", ours / directOne.median()));
            });
        System.out.println(
            "CPU us/tx: median CPU time of this JVM (the proxy in use) per transaction;"
                + " PG CPU us/tx: of PostgreSQL, all its processes.");
        if (directOne != null && results.containsKey(8)) {
          double ours = results.get(8).get(2).tps().median();
          double ratio = ours / directOne.median();
          System.out.printf(
              "transactional -c 8 / direct -c 1 = %.2f (target >= 0.7): %s%n",
              ratio, ratio >= 0.7 ? "met" : "NOT met");
          // One direct connection runs ~2x faster when pgbench and its backend share a CPU
          // than when they run on two, and an unpinned run lands in either mode.
          System.out.printf(
              "  (medians; against direct -c 1's fastest run %.2f, its slowest %.2f)%n",
              ours / directOne.max(), ours / directOne.min());
        } else {
          System.out.println(
              "transactional -c 8 / direct -c 1: not measured (--clients needs 1 and 8)");
        }

        System.out.printf("%nChecks (load average %s)%n", TpsRounds.loadAverage());
        List<String> failures = new ArrayList<>();
        results.forEach(
            (clients, measured) -> {
              long failed = measured.get(2).failed();
              failures.add("-c " + clients + ": " + (failed < 0 ? "not reported" : failed));
              if (failed < 0) {
                problems.add("this pgbench does not report failed transactions (15 or newer does)");
              } else if (failed > 0) {
                problems.add(
                    failed
                        + " failed pgbench -S -c "
                        + clients
                        + " transactions through the proxy");
              }
            });
        System.out.printf(
            "failed pgbench -S transactions through the transactional proxy, all rounds: %s%n",
            String.join(", ", failures));
        compare("after the pgbench -S runs", initial, Tables.read(pg), problems);

        tpcb(pg, pgbench, endpoint(transactional), control, tpcbClients, tpcbSeconds, problems);

        System.out.printf("load average at the end %s%n", TpsRounds.loadAverage());
        if (!problems.isEmpty()) {
          throw new IllegalStateException(
              "the transactional proxy failed checks:\n  " + String.join("\n  ", problems));
        }
        System.out.println("All checks passed.");
      }
    }
  }

  /** Part (a): BEGIN TEST + ROLLBACK TEST against BEGIN + ROLLBACK, interleaved in blocks. */
  private static void perTestOverhead(
      TempCluster pg, ProxyServer plain, TransactionalProxy transactional, int tests)
      throws Exception {
    int blocks = Math.min(10, tests);
    try (Connection direct = pg.dataSource().getConnection();
        Connection viaPlain = connect(plain, pg);
        Connection viaTransactional = transactional.connect()) {
      List<RoundTrip> contenders =
          List.of(
              new RoundTrip(
                  "BEGIN + ROLLBACK, direct (TCP)", direct.createStatement(), "BEGIN", "ROLLBACK"),
              new RoundTrip(
                  "BEGIN + ROLLBACK, plain proxy", viaPlain.createStatement(), "BEGIN", "ROLLBACK"),
              new RoundTrip(
                  "BEGIN TEST + ROLLBACK TEST, transactional proxy",
                  viaTransactional.createStatement(),
                  "BEGIN TEST 'overhead'",
                  "ROLLBACK TEST 'overhead'"));
      List<Samples> samples = new ArrayList<>();
      for (RoundTrip c : contenders) {
        // Untimed: JIT-compiles the proxies' paths and pgjdbc's.
        for (int i = 0; i < Math.max(tests, 2000); i++) {
          c.once();
        }
        samples.add(new Samples(c.name()));
      }
      for (int b = 0; b < blocks; b++) {
        for (int i = 0; i < contenders.size(); i++) {
          for (int t = 0; t < tests / blocks; t++) {
            samples.get(i).add(contenders.get(i).once());
          }
        }
      }
      System.out.printf(
          "%nPer-test overhead: the two statements' round trips from pgjdbc (autocommit, its default"
              + " query mode), %d blocks of %d, interleaved (load average %s)%n",
          blocks, tests / blocks, TpsRounds.loadAverage());
      Report.percentiles(System.out, samples, samples.get(0), "direct", "us");
      double ours = samples.get(2).percentileMillis(50) * 1000;
      double raw = samples.get(0).percentileMillis(50) * 1000;
      System.out.printf(
          "BEGIN TEST + ROLLBACK TEST p50 %.1f us = %.2fx BEGIN + ROLLBACK direct (%.1f us),"
              + " %.2fx through the plain proxy%n",
          ours, ours / raw, raw, ours / (samples.get(1).percentileMillis(50) * 1000));
    }
  }

  /** Two statements on one connection, timed together. */
  private record RoundTrip(String name, Statement statement, String open, String close) {
    long once() throws SQLException {
      long start = System.nanoTime();
      statement.execute(open);
      statement.execute(close);
      return System.nanoTime() - start;
    }
  }

  /** Opens a test on the control connection around each pgbench run through the proxy. */
  private static final class OpenTests implements TpsRounds.Around {
    private final Connection control;
    private int opened;

    OpenTests(Connection control) {
      this.control = control;
    }

    @Override
    public AutoCloseable open() {
      return SharedTransaction.begin(control, "pgbench run " + ++opened);
    }
  }

  /**
   * Part (c): pgbench's default script, which writes, through the proxy inside a test; its rows
   * must be there during the test and gone after ROLLBACK TEST.
   */
  private static void tpcb(
      TempCluster pg,
      Pgbench pgbench,
      Pgbench.Endpoint proxy,
      Connection control,
      int clients,
      int seconds,
      List<String> problems)
      throws SQLException {
    int threads = Math.min(clients, Runtime.getRuntime().availableProcessors());
    String run =
        String.format(
            "pgbench TPC-B-like (default script) -c %d -j %d -M %s -T %d",
            clients, threads, pgbench.queryMode(), seconds);
    Tables before = Tables.read(pg);
    Pgbench.Result result = null;
    long inside = -1;
    try (SharedTransaction test = SharedTransaction.begin(control, "tpcb")) {
      result = pgbench.tpcb(proxy, clients, threads, seconds);
      inside = count(control, "pgbench_history");
    } catch (IllegalStateException e) {
      // Reported, and whether ROLLBACK TEST undid what it did is still checked.
      System.out.printf(
          "%s through the transactional proxy inside a test FAILED: %s%n", run, e.getMessage());
      problems.add(run + " failed through the transactional proxy (its output is above)");
    }
    Tables after = Tables.read(pg);
    if (result != null) {
      long expected = before.history() + result.transactions();
      System.out.printf(
          "%s through the transactional proxy inside a test: %d transactions, %.0f tps,"
              + " %d failed%n",
          run, result.transactions(), result.tps(), result.failed());
      System.out.printf(
          "pgbench_history rows: %d before the test, %d inside it (%s), %d after ROLLBACK TEST%n",
          before.history(),
          inside,
          inside == expected ? "+ one per transaction" : "expected " + expected,
          after.history());
      if (result.failed() != 0) {
        problems.add(result.failed() + " failed TPC-B-like transactions through the proxy");
      }
      if (inside != expected) {
        problems.add("inside the test pgbench_history had " + inside + " rows, not " + expected);
      }
    }
    compare("after ROLLBACK TEST of the TPC-B-like run", before, after, problems);
    if (result == null) {
      return;
    }
    // For scale: one direct connection runs the same script (and commits, at the very end).
    Pgbench.Result directOne =
        pgbench.tpcb(
            new Pgbench.Endpoint(pg.host(), pg.port(), pg.user(), pg.password(), pg.database()),
            1,
            1,
            seconds);
    System.out.printf(
        "reference: the same script direct at -c 1: %.0f tps (transactional -c %d / direct -c 1"
            + " = %.2f)%n",
        directOne.tps(), clients, result.tps() / directOne.tps());
  }

  private static void compare(String when, Tables before, Tables after, List<String> problems) {
    if (after.equals(before)) {
      System.out.printf(
          "pgbench tables %s: unchanged (row counts and a hash of every row;"
              + " pgbench_history %d rows)%n",
          when, after.history());
    } else {
      System.out.printf(
          "pgbench tables %s: CHANGED%n  before %s%n  after  %s%n", when, before, after);
      problems.add("pgbench tables changed " + when);
    }
  }

  /** Row counts and a hash of every row of the pgbench tables, read straight from PostgreSQL. */
  private record Tables(
      List<String> accounts, List<String> tellers, List<String> branches, long history) {
    static Tables read(TempCluster pg) throws SQLException {
      try (Connection c = pg.dataSource().getConnection()) {
        return new Tables(
            countAndHash(c, "pgbench_accounts"),
            countAndHash(c, "pgbench_tellers"),
            countAndHash(c, "pgbench_branches"),
            count(c, "pgbench_history"));
      }
    }

    private static List<String> countAndHash(Connection c, String table) throws SQLException {
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "select count(*), coalesce(sum(hashtextextended(t::text, 0)), 0) from "
                      + table
                      + " t")) {
        rs.next();
        return List.of(rs.getString(1), rs.getString(2));
      }
    }
  }

  private static long count(Connection c, String table) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("select count(*) from " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** A pgjdbc connection through the plain {@code proxy}, which trusts its clients. */
  private static Connection connect(ProxyServer proxy, TempCluster pg) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://" + proxy.host() + ":" + proxy.port() + "/" + pg.database(),
        "bench",
        "");
  }

  private static Pgbench.Endpoint endpoint(ProxyServer proxy, TempCluster pg) {
    return new Pgbench.Endpoint(proxy.host(), proxy.port(), "bench", null, pg.database());
  }

  private static Pgbench.Endpoint endpoint(TransactionalProxy proxy) {
    return new Pgbench.Endpoint(proxy.host(), proxy.port(), proxy.user(), null, proxy.database());
  }
}
