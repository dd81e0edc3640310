package io.pgisolate.bench;

import io.pgisolate.binaries.BinariesResolver;
import io.pgisolate.binaries.PgBinaries;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.os.CacheDirectory;
import io.pgisolate.os.Commands;
import io.pgisolate.os.Directories;
import io.pgisolate.os.RunAs;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    List<Samples> samples = new ArrayList<>();
    for (Contender c : contenders) {
      c.warmUp();
      samples.add(new Samples(c.name()));
    }
    for (int run = 0; run < runs; run++) {
      for (int i = 0; i < contenders.size(); i++) {
        samples.get(i).add(contenders.get(i).once());
      }
    }
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
  private static final class RawInitdbPgCtl implements Contender {
    private final PgBinaries binaries;
    private final RunAs runAs = RunAs.resolve(Optional.empty());

    RawInitdbPgCtl(PgBinaries binaries) {
      this.binaries = binaries;
    }

    @Override
    public String name() {
      return "raw initdb + pg_ctl start -w (/dev/shm)";
    }

    @Override
    public long once() throws Exception {
      Path root = Files.createTempDirectory(Path.of("/dev/shm"), "raw-bench-");
      runAs.own(root);
      Path data = root.resolve("data");
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Map<String, String> env = Map.of("LC_ALL", "C");
      Duration limit = Duration.ofMinutes(2);
      try {
        long started = System.nanoTime();
        check(
            Commands.run(
                runAs.wrap(
                    List.of(
                        binaries.initdb().toString(),
                        "-D",
                        data.toString(),
                        "-U",
                        "postgres",
                        "-A",
                        "trust",
                        "-E",
                        "UTF8",
                        "--locale=C",
                        "--no-sync")),
                limit,
                env));
        check(
            Commands.run(
                runAs.wrap(
                    List.of(
                        binaries.bin().resolve("pg_ctl").toString(),
                        "-D",
                        data.toString(),
                        "-w",
                        "-l",
                        root.resolve("log").toString(),
                        "-o",
                        "-p " + port + " -k " + root + " -c fsync=off",
                        "start")),
                limit,
                env));
        return selectOne(
            DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres"),
            started);
      } finally {
        Commands.run(
            runAs.wrap(
                List.of(
                    binaries.bin().resolve("pg_ctl").toString(),
                    "-D",
                    data.toString(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop")),
            limit,
            env);
        Directories.deleteTree(root);
      }
    }

    private static void check(Commands.Result result) {
      if (result.exitCode() != 0) {
        throw new IllegalStateException("command failed: " + result.tail(5));
      }
    }
  }
}
