package io.pgisolate.bench;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.sql.PgServer;
import io.pgisolate.sql.Sql;
import io.pgisolate.template.Clone;
import io.pgisolate.template.ClonePool;
import io.pgisolate.template.CloneStrategy;
import io.pgisolate.template.InitSource;
import io.pgisolate.template.Template;
import io.pgisolate.template.Templates;
import io.zonky.test.db.postgres.embedded.DatabasePreparer;
import io.zonky.test.db.postgres.embedded.PreparedDbProvider;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Issue 3: a fresh database per test, with a template of 50 tables, their indexes and 100,000 rows.
 * Measures (1) acquire latency from a warm pool and (2) the time for back-to-back tests that each
 * take a fresh database, against raw CREATE DATABASE … TEMPLATE + DROP DATABASE (both copy
 * strategies) and zonky's PreparedDbProvider.
 */
final class FreshDatabaseBench {
  static final int TABLES = 50;
  static final int ROWS_PER_TABLE = 2_000;

  private FreshDatabaseBench() {}

  /** The schema every contender builds: 50 tables, an index each, 2,000 rows each. */
  static void buildSchema(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(schemaSql());
    }
  }

  /** {@link #buildSchema}'s SQL, as one script. */
  static String schemaSql() {
    StringBuilder sql = new StringBuilder();
    for (int t = 1; t <= TABLES; t++) {
      sql.append("create table t")
          .append(t)
          .append(" (id bigint primary key, name text not null, amount numeric, at timestamptz);\n")
          .append("create index on t")
          .append(t)
          .append(" (name);\n")
          .append("insert into t")
          .append(t)
          .append(" select g, 'name ' || g, g * 1.5, now() from generate_series(1, ")
          .append(ROWS_PER_TABLE)
          .append(") g;\n");
    }
    return sql.toString();
  }

  /** What each test does with its database: a write and a read. */
  static void testBody(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("insert into t1 values (100000, 'x', 1, now())");
      try (ResultSet rs = st.executeQuery("select count(*) from t1")) {
        rs.next();
        if (rs.getLong(1) != ROWS_PER_TABLE + 1) {
          throw new IllegalStateException("not a fresh database: " + rs.getLong(1));
        }
      }
    }
  }

  static void run(String[] args) throws Exception {
    int tests = Main.intOption(args, "--tests", 1000);
    int acquisitions = Main.intOption(args, "--acquisitions", 1000);
    int blocks = Main.intOption(args, "--blocks", 10);
    try (TempCluster cluster = TempCluster.builder().version("18").start()) {
      PgServer server = cluster.server();
      InitSource source =
          InitSource.callback("bench-50-tables", "1", t -> buildSchema(t.connection()));
      long built = System.nanoTime();
      Template template = Templates.ensure(server, source, Duration.ofMinutes(5));
      System.out.printf(
          "fresh-database: template %s (%d tables, %d rows) ready in %d ms; PostgreSQL %s, %d cores%n",
          template.name(),
          TABLES,
          TABLES * ROWS_PER_TABLE,
          (System.nanoTime() - built) / 1_000_000,
          cluster.binaries().version(),
          Runtime.getRuntime().availableProcessors());
      System.out.println("template size: " + size(server, template.name()));

      acquireLatency(template, acquisitions);

      List<Contender> contenders = new ArrayList<>();
      contenders.add(new PooledTests(template, CloneStrategy.FILE_COPY, tests / blocks));
      contenders.add(new PooledTests(template, CloneStrategy.WAL_LOG, tests / blocks));
      contenders.add(
          new RawTests(server, template.name(), CloneStrategy.FILE_COPY, tests / blocks));
      contenders.add(new RawTests(server, template.name(), CloneStrategy.WAL_LOG, tests / blocks));
      contenders.add(new ZonkyTests(tests / blocks));
      List<Samples> samples = Contender.interleaved(contenders, blocks);
      for (Contender c : contenders) {
        if (c instanceof AutoCloseable closeable) {
          closeable.close();
        }
      }
      Report.print(
          System.out,
          "Blocks of "
              + tests / blocks
              + " back-to-back tests, each with a fresh database ("
              + blocks
              + " blocks each, interleaved; ms per block)",
          samples,
          samples.get(2));
      int perBlock = tests / blocks;
      double ours =
          Math.min(samples.get(0).medianMillis(), samples.get(1).medianMillis()) / perBlock;
      double raw =
          Math.min(samples.get(2).medianMillis(), samples.get(3).medianMillis()) / perBlock;
      double zonky = samples.get(4).medianMillis() / perBlock;
      System.out.printf(
          "per test (best strategy of each): pgisolate %.2f ms, raw clone + drop %.2f ms, zonky"
              + " %.2f ms%n",
          ours, raw, zonky);
      double perTestOurs = ours;
      double perTestRaw = raw;
      double perTestZonky = zonky;
      System.out.printf(
          "throughput pgisolate / raw clone rate = %.2f (target >= 0.9); pgisolate / zonky = %.2f"
              + " (target > 1)%n",
          perTestRaw / perTestOurs, perTestZonky / perTestOurs);
    }
  }

  private static String size(PgServer server, String database) throws SQLException {
    try (Connection c = server.connect("postgres");
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "select pg_size_pretty(pg_database_size(" + Sql.literal(database) + "))")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /**
   * Acquire latency from a warm pool: each acquisition finds the pool refilled (as between tests
   * that take longer than a clone), and is timed alone.
   */
  private static void acquireLatency(Template template, int acquisitions) throws Exception {
    Samples latency = new Samples("pgisolate acquire (warm pool, ready=4)");
    try (ClonePool pool = ClonePool.start(template, ClonePool.Settings.defaults())) {
      for (int i = 0; i < acquisitions + 20; i++) {
        awaitReady(pool, 4);
        long t0 = System.nanoTime();
        Clone clone = pool.acquire();
        long t1 = System.nanoTime();
        if (i >= 20) {
          latency.add(t1 - t0);
        }
        pool.release(clone);
      }
    }
    System.out.printf(
        "%nacquire latency over %d acquisitions: p50 %.3f ms, p99 %.3f ms, max %.3f ms (target p50 <= 1 ms)%n",
        latency.count(), latency.medianMillis(), latency.percentileMillis(99), latency.maxMillis());
  }

  /** Waits (bounded) until the pool reports {@code ready} clones and nothing in flight. */
  private static void awaitReady(ClonePool pool, int ready) throws InterruptedException {
    String want = "ready=" + ready + ", in use=0, being created=0, being dropped=0";
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!pool.state().startsWith(want)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("pool did not refill: " + pool.state());
      }
      Thread.sleep(1);
    }
  }

  private static final class PooledTests implements Contender, AutoCloseable {
    private final ClonePool pool;
    private final CloneStrategy strategy;
    private final int tests;

    PooledTests(Template template, CloneStrategy strategy, int tests) {
      this.pool = ClonePool.start(template, ClonePool.Settings.defaults().withStrategy(strategy));
      this.strategy = strategy;
      this.tests = tests;
    }

    @Override
    public String name() {
      return "pgisolate warm pool (" + strategy + ", ready=4)";
    }

    @Override
    public long once() throws Exception {
      long start = System.nanoTime();
      for (int i = 0; i < tests; i++) {
        Clone clone = pool.acquire();
        try (Connection c = clone.connect()) {
          testBody(c);
        }
        pool.release(clone);
      }
      return System.nanoTime() - start;
    }

    @Override
    public void close() {
      pool.close();
    }
  }

  private static final class RawTests implements Contender {
    private final PgServer server;
    private final String template;
    private final CloneStrategy strategy;
    private final int tests;
    private int sequence;

    RawTests(PgServer server, String template, CloneStrategy strategy, int tests) {
      this.server = server;
      this.template = template;
      this.strategy = strategy;
      this.tests = tests;
    }

    @Override
    public String name() {
      return "raw CREATE DATABASE … TEMPLATE + DROP (" + strategy + ")";
    }

    @Override
    public long once() throws Exception {
      try (Connection admin = server.connect("postgres");
          Statement st = admin.createStatement()) {
        long start = System.nanoTime();
        for (int i = 0; i < tests; i++) {
          String name = "raw_" + strategy.name().toLowerCase() + "_" + sequence++;
          st.execute(
              "CREATE DATABASE "
                  + name
                  + " TEMPLATE "
                  + Sql.identifier(template)
                  + " STRATEGY "
                  + strategy.name());
          try (Connection c = server.connect(name)) {
            testBody(c);
          }
          st.execute("DROP DATABASE " + name + " WITH (FORCE)");
        }
        return System.nanoTime() - start;
      }
    }
  }

  /** zonky's prepared databases: its own cluster (its defaults), its own template and clones. */
  private static final class ZonkyTests implements Contender {
    private final PreparedDbProvider provider;
    private final int tests;

    ZonkyTests(int tests) {
      DatabasePreparer preparer =
          new DatabasePreparer() {
            @Override
            public void prepare(DataSource ds) throws SQLException {
              try (Connection c = ds.getConnection()) {
                buildSchema(c);
              }
            }
          };
      this.provider = PreparedDbProvider.forPreparer(preparer);
      this.tests = tests;
    }

    @Override
    public String name() {
      return "zonky PreparedDbProvider";
    }

    @Override
    public long once() throws Exception {
      long start = System.nanoTime();
      for (int i = 0; i < tests; i++) {
        DataSource ds = provider.createDataSource();
        try (Connection c = ds.getConnection()) {
          testBody(c);
        }
      }
      return System.nanoTime() - start;
    }
  }
}
