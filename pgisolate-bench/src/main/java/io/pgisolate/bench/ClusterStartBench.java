package io.pgisolate.bench;

import io.pgisolate.binaries.BinariesResolver;
import io.pgisolate.binaries.PgBinaries;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.os.CacheDirectory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Issue 2: start-to-first-query of a throwaway PostgreSQL, interleaved (A B C D A B C D …):
 * pgisolate with and without its initdb cache, zonky's EmbeddedPostgres (its default, and with its
 * data on /dev/shm too), and raw initdb + pg_ctl start -w as the baseline. All on the same
 * PostgreSQL build.
 */
final class ClusterStartBench {
  private static final String MAJOR = "18";

  private ClusterStartBench() {}

  static void run(String[] args) throws Exception {
    int runs = Main.intOption(args, "--runs", 10);
    PgBinaries binaries =
        BinariesResolver.resolve(
            BinariesResolver.Request.fromEnvironment(
                Optional.empty(), Optional.of(MAJOR), CacheDirectory.resolve(Optional.empty())));
    List<Contender> contenders =
        List.of(
            new PgIsolate("pgisolate (cached initdb)", true),
            new PgIsolate("pgisolate (initdb every time)", false),
            new Zonky("zonky EmbeddedPostgres (default, /tmp)", false),
            new Zonky("zonky EmbeddedPostgres (data on /dev/shm)", true),
            new RawInitdbPgCtl(binaries));
    System.out.printf(
        "cluster-start: %d interleaved runs each, PostgreSQL %s, user %s, %d cores%n",
        runs,
        binaries.version(),
        System.getProperty("user.name"),
        Runtime.getRuntime().availableProcessors());
    List<Samples> samples = Contender.interleaved(contenders, runs);
    Report.print(
        System.out,
        "Start to first query (JDBC 'select 1'), stop and cleanup not timed",
        samples,
        samples.get(samples.size() - 1));
    double ours = samples.get(0).medianMillis();
    double zonky = samples.get(2).medianMillis();
    System.out.printf(
        "pgisolate (cached) median %.1f ms = %.2f of zonky's default (target: < 150 ms and <= 0.25)%n",
        ours, ours / zonky);
  }

  private static long selectOne(Connection c, long started) throws Exception {
    try (c;
        ResultSet rs = c.createStatement().executeQuery("select 1")) {
      rs.next();
      return System.nanoTime() - started;
    }
  }

  private record PgIsolate(String name, boolean cache) implements Contender {
    @Override
    public long once() throws Exception {
      long started = System.nanoTime();
      TempCluster pg = TempCluster.builder().version(MAJOR).initdbCache(cache).start();
      try (pg) {
        return selectOne(pg.dataSource().getConnection(), started);
      }
    }
  }

  private record Zonky(String name, boolean ramDisk) implements Contender {
    @Override
    public long once() throws Exception {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
      if (ramDisk) {
        builder.setDataDirectory(new File("/dev/shm/zonky-bench-" + UUID.randomUUID()));
        builder.setCleanDataDirectory(true);
      }
      long started = System.nanoTime();
      EmbeddedPostgres pg = builder.start();
      try (pg) {
        DataSource ds = pg.getPostgresDatabase();
        return selectOne(ds.getConnection(), started);
      }
    }
  }

  /** The baseline: what a shell script does, initdb then pg_ctl start -w, then a query. */
  private record RawInitdbPgCtl(PgBinaries binaries) implements Contender {
    @Override
    public String name() {
      return "raw initdb + pg_ctl start -w (/dev/shm)";
    }

    @Override
    public long once() throws Exception {
      long started = System.nanoTime();
      try (RawCluster pg = RawCluster.start(binaries.bin())) {
        return selectOne(DriverManager.getConnection(pg.jdbcUrl("postgres")), started);
      }
    }
  }
}
