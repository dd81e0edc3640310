package io.pgisolate.bench;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.isolation.DatabaseIsolation;
import io.pgisolate.isolation.Isolated;
import io.pgisolate.isolation.Outcome;
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
import java.util.Collections;
import java.util.List;

/**
 * Issue 4: per-test cost of the three isolation modes on the 50-table schema, against raw
 * PostgreSQL doing the same by hand. Every test inserts 100 rows and reads them back. Contenders
 * run in interleaved blocks (A B C … A B C …); per-test figures are a block's time divided by its
 * tests. A mode's overhead is its block time minus the same block's body-only time (the body on a
 * plain connection, in autocommit for DATABASE and SCHEMA, inside one open transaction for
 * TRANSACTION).
 */
final class IsolationBench {
  private static final long BASE = 1_000_000;
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

  /** Runs {@code perBlock} tests; returns nanoseconds. */
  private interface Block {
    long run(int perBlock) throws Exception;
  }

  /** {@code slow}: a schema-building contender, run {@code --schema-tests} times. */
  private record Contender(String name, Block block, boolean slow) {
    Contender(String name, Block block) {
      this(name, block, false);
    }
  }

  static void run(String[] args) throws Exception {
    int tests = Main.intOption(args, "--tests", 1000);
    int blocks = Main.intOption(args, "--blocks", 10);
    int perBlock = tests / blocks;
    int slowPerBlock = Main.intOption(args, "--schema-tests", tests) / blocks;
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

      // Body-only baselines: the schema built once, committed, in schema "base".
      Connection plain = server.connect("bench");
      try (Statement st = plain.createStatement()) {
        st.execute("create schema base; set search_path = base");
      }
      FreshDatabaseBench.buildSchema(plain);
      Connection inTx = server.connect("bench");
      try (Statement st = inTx.createStatement()) {
        st.execute("set search_path = base");
      }
      inTx.setAutoCommit(false);
      long[] bodyBase = {BASE};
      Connection rawSp = server.connect("bench");
      rawSp.setAutoCommit(false);
      try (Statement st = rawSp.createStatement()) {
        st.execute("set search_path = base; select txid_current()");
      }
      Connection rawSchema = server.connect("bench", true);
      int[] rawSeq = {0};

      DatabaseIsolation database =
          new DatabaseIsolation(
              ClonePool.start(
                  Templates.ensure(server, source, Duration.ofMinutes(5)),
                  ClonePool.Settings.defaults()));
      SchemaIsolation schema = SchemaIsolation.start(server, "bench", source);
      TransactionRunner transaction = TransactionRunner.start(server, "bench", source, 1);

      List<Contender> contenders = new ArrayList<>();
      contenders.add(
          new Contender(
              "body only, autocommit",
              n -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                  body(plain, bodyBase[0] += 1000);
                }
                return System.nanoTime() - t0;
              }));
      contenders.add(
          new Contender(
              "body only, in one transaction",
              n -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                  body(inTx, bodyBase[0] += 1000);
                }
                return System.nanoTime() - t0;
              }));
      contenders.add(
          new Contender(
              "raw SAVEPOINT + ROLLBACK TO (no body)",
              n -> {
                try (Statement st = rawSp.createStatement()) {
                  long t0 = System.nanoTime();
                  for (int i = 0; i < n; i++) {
                    st.execute("SAVEPOINT s");
                    st.execute("ROLLBACK TO SAVEPOINT s");
                  }
                  return System.nanoTime() - t0;
                }
              }));
      contenders.add(
          new Contender(
              "TRANSACTION (runner, 1 worker)",
              n -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                  transaction.run(
                      c -> {
                        body(c, BASE);
                        return null;
                      });
                }
                return System.nanoTime() - t0;
              }));
      contenders.add(
          new Contender(
              "raw SAVEPOINT + body + ROLLBACK TO, new keys",
              n -> {
                try (Statement st = rawSp.createStatement()) {
                  long t0 = System.nanoTime();
                  for (int i = 0; i < n; i++) {
                    st.execute("SAVEPOINT s");
                    body(rawSp, bodyBase[0] += 1000);
                    st.execute("ROLLBACK TO SAVEPOINT s");
                  }
                  return System.nanoTime() - t0;
                }
              }));
      long[] txBase = {BASE};
      contenders.add(
          new Contender(
              "TRANSACTION, new keys in every test",
              n -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                  long base = txBase[0] += 1000;
                  transaction.run(
                      c -> {
                        body(c, base);
                        return null;
                      });
                }
                return System.nanoTime() - t0;
              }));
      contenders.add(
          new Contender(
              "raw CREATE SCHEMA + init + DROP (no body)",
              n -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                  String s = "raw_" + rawSeq[0]++;
                  try (Statement st = rawSchema.createStatement()) {
                    st.execute("CREATE SCHEMA " + s + "; SET search_path = " + s);
                    FreshDatabaseBench.buildSchema(rawSchema);
                    st.execute("DROP SCHEMA " + s + " CASCADE");
                  }
                }
                return System.nanoTime() - t0;
              },
              true));
      contenders.add(
          new Contender(
              "raw copy of a built schema + DROP (no body)",
              n -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                  String s = "copy_" + rawSeq[0]++;
                  StringBuilder sql = new StringBuilder("CREATE SCHEMA " + s + ";");
                  for (int t = 1; t <= 50; t++) {
                    sql.append(
                        String.format(
                            "CREATE TABLE %s.t%d (LIKE base.t%d INCLUDING ALL);"
                                + " INSERT INTO %s.t%d SELECT * FROM base.t%d;",
                            s, t, t, s, t, t));
                  }
                  try (Statement st = rawSchema.createStatement()) {
                    st.execute(sql.toString());
                    st.execute("DROP SCHEMA " + s + " CASCADE");
                  }
                }
                return System.nanoTime() - t0;
              },
              true));
      contenders.add(
          new Contender(
              "SCHEMA (begin, connect, body, end)",
              n -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                  Isolated test = schema.begin(WAIT);
                  try (Connection c = test.connection()) {
                    body(c, BASE);
                  }
                  test.end(Outcome.passed("bench"));
                }
                return System.nanoTime() - t0;
              },
              true));
      contenders.add(
          new Contender(
              "DATABASE (warm pool: begin, connect, body, end)",
              n -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                  Isolated test = database.begin(WAIT);
                  try (Connection c = test.connection()) {
                    body(c, BASE);
                  }
                  test.end(Outcome.passed("bench"));
                }
                return System.nanoTime() - t0;
              }));
      contenders.add(
          new Contender(
              "new connection + close (for reference)",
              n -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                  server.connect("bench").close();
                }
                return System.nanoTime() - t0;
              }));

      if (slowPerBlock == 0) {
        contenders.replaceAll(
            c -> c.slow() ? new Contender(c.name() + " (skipped)", n -> 1, true) : c);
      }
      for (Contender c : contenders) {
        c.block().run(Math.max(1, (c.slow() ? slowPerBlock : perBlock) / 10)); // warm-up
      }
      List<List<Double>> perTest = new ArrayList<>();
      contenders.forEach(c -> perTest.add(new ArrayList<>()));
      for (int b = 0; b < blocks; b++) {
        for (int i = 0; i < contenders.size(); i++) {
          Contender c = contenders.get(i);
          int n = c.slow() ? Math.max(1, slowPerBlock) : perBlock;
          perTest.get(i).add(c.block().run(n) / 1e3 / n);
        }
      }
      transaction.close();
      schema.close();
      database.close();
      plain.close();
      inTx.close();
      rawSp.close();
      rawSchema.close();

      System.out.printf(
          "%nper test, µs (block time / %d tests; schema-building contenders / %d)%n",
          perBlock, slowPerBlock);
      System.out.printf("%-48s %10s %10s %10s%n", "contender", "min", "median", "max");
      for (int i = 0; i < contenders.size(); i++) {
        List<Double> s = perTest.get(i);
        System.out.printf(
            "%-48s %10.1f %10.1f %10.1f%n", contenders.get(i).name(), min(s), median(s), max(s));
      }
      List<Double> txOverhead = minus(perTest.get(3), perTest.get(1));
      List<Double> rawSpBody = minus(perTest.get(4), perTest.get(1));
      List<Double> txNewKeys = minus(perTest.get(5), perTest.get(1));
      List<Double> schemaOverhead = minus(perTest.get(8), perTest.get(0));
      List<Double> dbOverhead = minus(perTest.get(9), perTest.get(0));
      System.out.printf(
          "%noverhead per test, µs (mode minus its body-only baseline in the same block)%n");
      System.out.printf("%-48s %10s %10s %10s%n", "mode", "min", "median", "max");
      row("TRANSACTION", txOverhead);
      row("TRANSACTION, new keys in every test", txNewKeys);
      row("raw SAVEPOINT + ROLLBACK TO", perTest.get(2));
      row("raw SAVEPOINT + body + ROLLBACK TO, new keys", rawSpBody);
      row("SCHEMA", schemaOverhead);
      row("raw CREATE SCHEMA + init + DROP", perTest.get(6));
      row("raw copy of a built schema + DROP", perTest.get(7));
      row("DATABASE (warm pool)", dbOverhead);
      System.out.printf(
          "%nTRANSACTION overhead by block, in order (rolled-back rows pile up in the worker's"
              + " tables): %s%n",
          txOverhead.stream().map(d -> String.format("%.0f", d)).toList());
      System.out.printf(
          "%nTRANSACTION overhead / raw savepoint round trip = %.2f (target <= 1.5); with new keys"
              + " in every test %.2f%n",
          median(txOverhead) / median(perTest.get(2)), median(txNewKeys) / median(perTest.get(2)));
      System.out.printf(
          "SCHEMA overhead / raw CREATE SCHEMA + init + DROP = %.2f (target <= 1.2)%n",
          median(schemaOverhead) / median(perTest.get(6)));
      System.out.printf(
          "copying a built schema / re-running the init source = %.2f%n",
          median(perTest.get(7)) / median(perTest.get(6)));
      System.out.printf(
          "DATABASE overhead / TRANSACTION overhead = %.1f; SCHEMA / TRANSACTION = %.1f%n",
          median(dbOverhead) / median(txOverhead), median(schemaOverhead) / median(txOverhead));
    }
  }

  private static void row(String name, List<Double> s) {
    System.out.printf("%-48s %10.1f %10.1f %10.1f%n", name, min(s), median(s), max(s));
  }

  private static List<Double> minus(List<Double> a, List<Double> b) {
    List<Double> d = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      d.add(a.get(i) - b.get(i));
    }
    return d;
  }

  private static double min(List<Double> s) {
    return Collections.min(s);
  }

  private static double max(List<Double> s) {
    return Collections.max(s);
  }

  private static double median(List<Double> s) {
    List<Double> sorted = new ArrayList<>(s);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
