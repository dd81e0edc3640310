package io.pgisolate.bench;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.isolation.DatabaseIsolation;
import io.pgisolate.isolation.Isolated;
import io.pgisolate.isolation.Isolation;
import io.pgisolate.isolation.Outcome;
import io.pgisolate.isolation.Recycling;
import io.pgisolate.isolation.SchemaIsolation;
import io.pgisolate.isolation.TransactionRunner;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.ClonePool;
import io.pgisolate.template.InitSource;
import io.pgisolate.template.Templates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Issue 4: per-test cost of the three isolation modes on the 50-table schema, against raw
 * PostgreSQL doing the same by hand. Every test inserts 100 rows and reads them back. Contenders
 * run in interleaved blocks (A B C … A B C …); per-test figures are a block's time divided by its
 * tests. A mode's overhead is its block time minus the same round's body-only time: for DATABASE
 * and SCHEMA the body in autocommit on committed tables; for TRANSACTION the body on a connection
 * set up exactly as a worker is (its schema built and committed, then one long transaction open),
 * with new keys in every test (so nothing is rolled back and no dead rows pile up: the test's own
 * work, nothing more). The hand-written savepoint contenders work on connections set up the same
 * way, so that they and the runner differ only in what is done around each test. The modes'
 * background work (dropping clones and schemas, refilling the pool) is waited for after their
 * block, so that it does not slow down the next contender's.
 */
final class IsolationBench {
  private static final long BASE = 1_000_000;

  // Contender names; the report finds them by name.
  static final String BODY = "body only, autocommit";
  static final String BODY_TX = "body only, in a worker-like transaction";
  static final String BARE = "raw SAVEPOINT + ROLLBACK TO (no body)";
  static final String REARM = "raw ROLLBACK TO re-arming (no body)";
  static final String TX = "TRANSACTION (runner, 1 worker)";
  static final String RAW_SAME = "raw SAVEPOINT + body + ROLLBACK TO";
  static final String TX_NEW = "TRANSACTION, new keys in every test";
  static final String RAW_NEW = "raw SAVEPOINT + body + ROLLBACK TO, new keys";
  static final String SCAN_NEVER = "TRANSACTION + count(*), never recycled";
  static final String SCAN_AUTO = "TRANSACTION + count(*), recycled (auto)";
  static final String RAW_SCHEMA = "raw CREATE SCHEMA + init + DROP (no body)";
  static final String RAW_COPY = "raw copy of a built schema + DROP (no body)";
  static final String SCHEMA = "SCHEMA (begin, connect, body, end)";
  static final String DATABASE = "DATABASE (warm pool: begin, connect, body, end)";

  private static final Duration WAIT = Duration.ofSeconds(60);

  private IsolationBench() {}

  /** The test body: insert 100 rows into t1 above {@code base}, read them back. */
  static void body(Connection c, long base) throws SQLException {
    try (PreparedStatement ins =
        c.prepareStatement(
            "insert into t1 (id, name, amount, at) select g, 'row ' || g, g, now()"
                + " from generate_series(?::bigint + 1, ?::bigint + 100) g")) {
      ins.setLong(1, base);
      ins.setLong(2, base);
      ins.executeUpdate();
    }
    try (PreparedStatement sel =
        c.prepareStatement(
            "select id, name, amount from t1 where id > ? and id <= ? + 100 order by id")) {
      sel.setLong(1, base);
      sel.setLong(2, base);
      int n = 0;
      try (ResultSet rs = sel.executeQuery()) {
        while (rs.next()) {
          rs.getLong(1);
          rs.getString(2);
          n++;
        }
      }
      if (n != 100) {
        throw new IllegalStateException("read " + n + " rows, not 100: not isolated");
      }
    }
  }

  /** The body, then a count of t1 (a sequential scan, which reads every dead row). */
  static void scanningBody(Connection c, long base) throws SQLException {
    body(c, base);
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("select count(*) from t1")) {
      rs.next();
      if (rs.getLong(1) != FreshDatabaseBench.ROWS_PER_TABLE + 100) {
        throw new IllegalStateException("t1 holds " + rs.getLong(1) + " rows: not isolated");
      }
    }
  }

  /** Runs {@code perBlock} tests; returns each one's nanoseconds. */
  private interface Block {
    long[] run(int perBlock) throws Exception;
  }

  /**
   * How many tests a contender runs: {@code --tests}, {@code --schema-tests}, {@code --scan-tests}.
   */
  private enum Kind {
    TEST,
    SCHEMA_BUILDING,
    SCANNING
  }

  /** {@code settle}: waits, untimed, for the background work the block left. */
  private record Contender(String name, Block block, Kind kind, Runnable settle) {
    Contender(String name, Block block) {
      this(name, block, Kind.TEST, () -> {});
    }
  }

  private static Block tests(Test test) {
    return n -> {
      long[] nanos = new long[n];
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        test.run();
        nanos[i] = System.nanoTime() - t0;
      }
      return nanos;
    };
  }

  private interface Test {
    void run() throws Exception;
  }

  static void run(String[] args) throws Exception {
    int tests = Main.intOption(args, "--tests", 1000);
    int blocks = Main.intOption(args, "--blocks", 10);
    int perBlock = tests / blocks;
    int slowPerBlock = Main.intOption(args, "--schema-tests", tests, 0) / blocks;
    // Enough for the count(*) tests to slow down far enough to make recycling pay.
    int scanPerBlock = Main.intOption(args, "--scan-tests", 3 * tests, 0) / blocks;
    InitSource source =
        InitSource.callback(
            "bench-50-tables", "1", t -> FreshDatabaseBench.buildSchema(t.connection()));
    try (TempCluster cluster = TempCluster.builder().version("18").start()) {
      PgServer server = cluster.server();
      try (Connection admin = server.connect("postgres");
          Statement st = admin.createStatement()) {
        st.execute("create database bench");
      }
      System.out.printf(
          "isolation: %d tests per mode (%d blocks of %d, interleaved), 50 tables x 2,000 rows;"
              + " PostgreSQL %s, %d cores%n",
          tests,
          blocks,
          perBlock,
          cluster.binaries().version(),
          Runtime.getRuntime().availableProcessors());

      // Body-only baselines: the schema built once and committed, in schema "base", used in
      // autocommit; and one set up as a TRANSACTION worker is, used in one long transaction.
      Connection plain = server.connect("bench");
      try (Statement st = plain.createStatement()) {
        st.execute("create schema base; set search_path = base");
      }
      FreshDatabaseBench.buildSchema(plain);
      Connection inWorkerTx = workerLike(server, "body_only");
      long[] newKeys = {BASE};
      Supplier<Long> nextKey = () -> newKeys[0] += 1000;
      Connection bare = workerLike(server, "bare");
      Connection rearm = workerLike(server, "rearm");
      exec(rearm, "SAVEPOINT s");
      Connection rawSame = workerLike(server, "raw_same");
      Connection rawNew = workerLike(server, "raw_new");
      Connection rawSchema = server.connect("bench", true);
      int[] rawSeq = {0};

      ClonePool pool =
          ClonePool.start(
              Templates.ensure(server, source, Duration.ofMinutes(5)),
              ClonePool.Settings.defaults());
      DatabaseIsolation database = new DatabaseIsolation(pool);
      SchemaIsolation schema = SchemaIsolation.start(server, "bench", source);
      TransactionRunner transaction = TransactionRunner.start(server, "bench", source, 1);
      TransactionRunner transactionNewKeys = TransactionRunner.start(server, "bench", source, 1);
      TransactionRunner scanNever =
          TransactionRunner.start(server, "bench", source, 1, Recycling.never());
      TransactionRunner scanAuto = TransactionRunner.start(server, "bench", source, 1);

      List<Contender> contenders = new ArrayList<>();
      contenders.add(new Contender(BODY, tests(() -> body(plain, nextKey.get()))));
      // Its rows are rolled back after every block and its schema built again (untimed, with a
      // few tests to warm the new tables' caches and plans up), so its tables stay as small as a
      // fresh worker's.
      contenders.add(
          new Contender(
              BODY_TX,
              tests(() -> body(inWorkerTx, nextKey.get())),
              Kind.TEST,
              () ->
                  unchecked(
                      () -> {
                        build(inWorkerTx, "body_only");
                        for (int i = 0; i < 10; i++) {
                          body(inWorkerTx, nextKey.get());
                        }
                      })));
      // Set before the test, rolled back after it: two round trips. RELEASE (in the second) keeps
      // savepoints from nesting deeper with every test, which would slow later statements down.
      String rollback = "ROLLBACK TO SAVEPOINT s; RELEASE SAVEPOINT s";
      contenders.add(
          new Contender(
              BARE,
              tests(
                  () -> {
                    exec(bare, "SAVEPOINT s");
                    exec(bare, rollback);
                  })));
      contenders.add(new Contender(REARM, tests(() -> exec(rearm, "ROLLBACK TO SAVEPOINT s"))));
      contenders.add(
          new Contender(TX, tests(() -> transaction.run(c -> nothing(() -> body(c, BASE))))));
      contenders.add(
          new Contender(
              RAW_SAME,
              tests(
                  () -> {
                    exec(rawSame, "SAVEPOINT s");
                    body(rawSame, BASE);
                    exec(rawSame, rollback);
                  })));
      contenders.add(
          new Contender(
              TX_NEW,
              tests(
                  () -> {
                    long key = nextKey.get();
                    transactionNewKeys.run(c -> nothing(() -> body(c, key)));
                  })));
      contenders.add(
          new Contender(
              RAW_NEW,
              tests(
                  () -> {
                    exec(rawNew, "SAVEPOINT s");
                    body(rawNew, nextKey.get());
                    exec(rawNew, rollback);
                  })));
      contenders.add(
          new Contender(
              SCAN_NEVER,
              tests(() -> scanNever.run(c -> nothing(() -> scanningBody(c, BASE)))),
              Kind.SCANNING,
              () -> {}));
      contenders.add(
          new Contender(
              SCAN_AUTO,
              tests(() -> scanAuto.run(c -> nothing(() -> scanningBody(c, BASE)))),
              Kind.SCANNING,
              () -> {}));
      contenders.add(
          new Contender(
              RAW_SCHEMA,
              tests(
                  () -> {
                    String s = "raw_" + rawSeq[0]++;
                    exec(rawSchema, "CREATE SCHEMA " + s + "; SET search_path = " + s);
                    FreshDatabaseBench.buildSchema(rawSchema);
                    exec(rawSchema, "DROP SCHEMA " + s + " CASCADE");
                  }),
              Kind.SCHEMA_BUILDING,
              () -> {}));
      contenders.add(
          new Contender(
              RAW_COPY,
              tests(
                  () -> {
                    String s = "copy_" + rawSeq[0]++;
                    StringBuilder sql = new StringBuilder("CREATE SCHEMA " + s + ";");
                    for (int t = 1; t <= 50; t++) {
                      sql.append(
                          String.format(
                              "CREATE TABLE %s.t%d (LIKE base.t%d INCLUDING ALL);"
                                  + " INSERT INTO %s.t%d SELECT * FROM base.t%d;",
                              s, t, t, s, t, t));
                    }
                    exec(rawSchema, sql.toString());
                    exec(rawSchema, "DROP SCHEMA " + s + " CASCADE");
                  }),
              Kind.SCHEMA_BUILDING,
              () -> {}));
      contenders.add(
          new Contender(
              SCHEMA,
              tests(() -> isolated(schema)),
              Kind.SCHEMA_BUILDING,
              () -> settle(schema::state, "schemas live=0,")));
      contenders.add(
          new Contender(
              DATABASE,
              tests(() -> isolated(database)),
              Kind.TEST,
              () -> settle(pool::state, "being created=0, being dropped=0,")));
      contenders.add(
          new Contender(
              "new connection + close (for reference)",
              tests(() -> server.connect("bench").close())));

      Map<Kind, Integer> perBlockOf =
          Map.of(
              Kind.TEST, perBlock,
              Kind.SCHEMA_BUILDING, Math.max(1, slowPerBlock),
              Kind.SCANNING, Math.max(1, scanPerBlock));
      if (slowPerBlock == 0) {
        contenders.replaceAll(
            c ->
                c.kind() == Kind.SCHEMA_BUILDING
                    ? new Contender(c.name(), n -> new long[] {1}, c.kind(), () -> {})
                    : c);
      }
      for (Contender c : contenders) {
        c.block().run(Math.max(1, perBlockOf.get(c.kind()) / 10)); // warm-up
        c.settle().run();
      }
      Map<String, IsolationReport.Series> perTest = new LinkedHashMap<>();
      contenders.forEach(c -> perTest.put(c.name(), new IsolationReport.Series()));
      for (int b = 0; b < blocks; b++) {
        for (Contender c : contenders) {
          perTest.get(c.name()).add(c.block().run(perBlockOf.get(c.kind())));
          c.settle().run();
        }
      }
      String recycledCounts =
          String.format(
              "%d, %d, %d, %d (count(*) auto: vacuumed %d times)",
              transaction.recycled(),
              transactionNewKeys.recycled(),
              scanNever.recycled(),
              scanAuto.recycled(),
              scanAuto.vacuums());
      for (AutoCloseable c :
          List.of(
              transaction,
              transactionNewKeys,
              scanNever,
              scanAuto,
              schema,
              database,
              plain,
              inWorkerTx,
              bare,
              rearm,
              rawSame,
              rawNew,
              rawSchema)) {
        c.close();
      }
      new IsolationReport(perTest, slowPerBlock == 0)
          .print(System.out, perBlock, slowPerBlock, scanPerBlock, recycledCounts);
    }
  }

  /** One test in {@code isolation}: begin, connect, the body, end. */
  private static void isolated(Isolation isolation) throws SQLException {
    Isolated test = isolation.begin(WAIT);
    try (Connection c = test.connection()) {
      body(c, BASE);
    }
    test.end(Outcome.passed("bench"));
  }

  /** A connection set up as a TRANSACTION worker is: see {@link #build}. */
  private static Connection workerLike(PgServer server, String schema) throws SQLException {
    Connection c = server.connect("bench");
    build(c, schema);
    return c;
  }

  /**
   * As a worker initialises: rolls back {@code c}'s transaction, if one is open; builds {@code
   * schema} afresh in autocommit (committed), analyses its tables; then turns autocommit off, so
   * that the next statement opens the long transaction the tests run in.
   */
  private static void build(Connection c, String schema) throws SQLException {
    if (!c.getAutoCommit()) {
      c.rollback();
      c.setAutoCommit(true);
    }
    exec(c, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    exec(c, "CREATE SCHEMA " + schema + "; SET search_path = " + schema);
    FreshDatabaseBench.buildSchema(c);
    // Its own tables only, as a worker does: the database holds the other contenders' too.
    StringBuilder tables = new StringBuilder();
    for (int t = 1; t <= 50; t++) {
      tables.append(t == 1 ? "" : ", ").append(schema).append(".t").append(t);
    }
    exec(c, "ANALYZE " + tables);
    c.setAutoCommit(false);
  }

  private static void unchecked(SqlRun run) {
    try {
      run.run();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void exec(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private interface SqlRun {
    void run() throws SQLException;
  }

  private static Object nothing(SqlRun run) throws SQLException {
    run.run();
    return null;
  }

  /** Waits, polling, until {@code state} contains {@code idle}. */
  private static void settle(Supplier<String> state, String idle) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!state.get().contains(idle)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("background work did not end: " + state.get());
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
