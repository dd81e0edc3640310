package io.pgisolate.bench;

import io.pgisolate.cluster.JvmServer;
import io.pgisolate.sql.PgServer;
import io.pgisolate.sql.Sql;
import io.pgisolate.template.CloneStrategy;
import io.zonky.test.db.postgres.embedded.PreparedDbProvider;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The warm half of {@code bin/bench jdbc-url}, in this JVM: once its first {@code jdbc:pgisolate:}
 * URL has a database, (1) a database under a new name, connect to the query's answer, against raw
 * {@code CREATE DATABASE … TEMPLATE} + connect on the same server and zonky's PreparedDbProvider;
 * (2) another connection to an existing URL database, against pgjdbc connecting straight to it.
 */
final class JdbcUrlWarm {
  static final String PGISOLATE = "pgisolate jdbc:pgisolate:///app_N (new name)";
  static final String RAW_FILE_COPY = "raw CREATE DATABASE TEMPLATE (FILE_COPY) + connect";
  static final String RAW_WAL_LOG = "raw CREATE DATABASE TEMPLATE (WAL_LOG) + connect";
  static final String ZONKY = "zonky PreparedDbProvider.createDataSource + connect";
  static final String AGAIN = "pgisolate jdbc:pgisolate:///app (existing)";
  static final String DIRECT = "pgjdbc jdbc:postgresql://…/app";

  private JdbcUrlWarm() {}

  static void run(String url, Path scripts, int names) throws Exception {
    System.out.println();
    long started = System.nanoTime();
    expectSchema(DriverManager.getConnection(url));
    System.out.printf(
        "Warm, in this JVM: its first jdbc:pgisolate: connection (cluster start, template build,"
            + " clone; no JVM start) answered after %.0f ms%n",
        (System.nanoTime() - started) / 1e6);
    PgServer server = JvmServer.get(Optional.empty(), Optional.of(JdbcUrlBench.MAJOR)).server();
    started = System.nanoTime();
    PreparedDbProvider zonky = JdbcUrlChild.zonky(scripts, false);
    expectSchema(zonky.createDataSource().getConnection());
    System.out.printf(
        "zonky's first PreparedDbProvider database (its cluster start, template build, clone):"
            + " %.0f ms%n",
        (System.nanoTime() - started) / 1e6);
    try (Connection admin = server.connect(server.adminDatabase())) {
      String template = templateOf(admin);
      List<Samples> created =
          Contender.interleaved(
              List.of(
                  new Timed(
                      PGISOLATE,
                      n -> DriverManager.getConnection(withName(url, "app_" + n)),
                      n -> {
                        drop(admin, "app_" + n);
                        awaitSpare(admin);
                      }),
                  rawClone(server, admin, template, CloneStrategy.FILE_COPY),
                  rawClone(server, admin, template, CloneStrategy.WAL_LOG),
                  new Timed(ZONKY, n -> zonky.createDataSource().getConnection(), n -> {})),
              names);
      System.out.printf(
          "%nA database under a new name, connect to the query's answer (%d names each,"
              + " interleaved; ms)%n",
          names);
      Samples raw = JdbcUrlBench.named(created, RAW_FILE_COPY);
      Report.percentiles(System.out, created, raw, "raw", "ms");
      Samples ours = JdbcUrlBench.named(created, PGISOLATE);
      System.out.printf(
          "pgisolate / raw (FILE_COPY) p50 = %.2f; pgisolate / zonky p50 = %.2f%n",
          ours.percentileMillis(50) / raw.percentileMillis(50),
          ours.percentileMillis(50) / JdbcUrlBench.named(created, ZONKY).percentileMillis(50));
      System.out.println(
          "(pgisolate: ALTER DATABASE … RENAME of the spare its background thread copied from"
              + " the template after the previous new name (CREATE DATABASE … TEMPLATE … STRATEGY"
              + " FILE_COPY), on the admin connection it keeps, after one query there that finds"
              + " the template; then pgjdbc's connection; raw: CREATE DATABASE on an admin"
              + " connection kept open, from the same template; zonky: a database its background"
              + " thread cloned ahead of time, from its own cluster (data in /tmp). pgisolate's and"
              + " raw's databases are dropped after each sample, untimed, and pgisolate's next spare"
              + " is awaited then, so that its copying does not overlap the other contenders'"
              + " samples; zonky has no drop.)");
    }
    List<Samples> again =
        Contender.interleaved(
            List.of(
                new Timed(AGAIN, n -> DriverManager.getConnection(url), n -> {}),
                new Timed(DIRECT, n -> server.connect("app"), n -> {})),
            names * 4);
    System.out.printf(
        "%nAnother connection to a database that exists, connect to the query's answer (%d each,"
            + " interleaved; ms)%n",
        names * 4);
    Report.percentiles(System.out, again, JdbcUrlBench.named(again, DIRECT), "pgjdbc", "ms");
  }

  /** Runs the query and checks that the schema is there; closes {@code c}. */
  private static void expectSchema(Connection c) throws SQLException {
    long tables = JdbcUrlChild.tables(c);
    if (tables != FreshDatabaseBench.TABLES) {
      throw new IllegalStateException(
          "expected " + FreshDatabaseBench.TABLES + " tables, found " + tables);
    }
  }

  /** The template the driver built (the only one on this JVM's fresh cluster). */
  private static String templateOf(Connection admin) throws SQLException {
    try (Statement st = admin.createStatement();
        ResultSet rs =
            st.executeQuery(
                "select datname from pg_database where datistemplate and datname like 'pgi\\_t\\_%'")) {
      if (!rs.next()) {
        throw new IllegalStateException("the driver's template is not on its cluster");
      }
      return rs.getString(1);
    }
  }

  private static void drop(Connection admin, String database) throws SQLException {
    try (Statement st = admin.createStatement()) {
      st.execute("DROP DATABASE " + Sql.identifier(database) + " WITH (FORCE)");
    }
  }

  /**
   * Waits until the driver's spare database is there: made in the background after a new name, it
   * would otherwise be copying while the next contender is timed.
   */
  private static void awaitSpare(Connection admin) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      try (Statement st = admin.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "select count(*) from pg_database where datname like 'pgi\\_spare\\_%'")) {
        rs.next();
        if (rs.getLong(1) == 1) {
          return;
        }
      }
      Thread.sleep(1); // a poll that leaves the CPU to the copy
    }
    throw new IllegalStateException("the driver made no spare database within 30 s");
  }

  /** The URL with another database name. */
  private static String withName(String url, String name) {
    return url.replace("///app?", "///" + name + "?");
  }

  /** CREATE DATABASE … TEMPLATE … STRATEGY on the admin connection kept open, then pgjdbc. */
  private static Timed rawClone(
      PgServer server, Connection admin, String template, CloneStrategy strategy) {
    String prefix = "raw_" + strategy.name().toLowerCase() + "_";
    return new Timed(
        strategy == CloneStrategy.FILE_COPY ? RAW_FILE_COPY : RAW_WAL_LOG,
        n -> {
          try (Statement st = admin.createStatement()) {
            st.execute(
                "CREATE DATABASE "
                    + prefix
                    + n
                    + " TEMPLATE "
                    + Sql.identifier(template)
                    + " STRATEGY "
                    + strategy.name());
          }
          return server.connect(prefix + n);
        },
        n -> drop(admin, prefix + n));
  }

  /**
   * A contender that gets its n-th connection its own way, runs the query on it (both timed), then
   * cleans up after it (untimed).
   */
  private static final class Timed implements Contender {
    interface Step {
      Connection connect(int n) throws Exception;
    }

    interface Cleanup {
      void after(int n) throws Exception;
    }

    private final String name;
    private final Step step;
    private final Cleanup cleanup;
    private int sequence;

    Timed(String name, Step step, Cleanup cleanup) {
      this.name = name;
      this.step = step;
      this.cleanup = cleanup;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public long once() throws Exception {
      int n = sequence++;
      long started = System.nanoTime();
      expectSchema(step.connect(n));
      long took = System.nanoTime() - started;
      cleanup.after(n);
      return took;
    }
  }
}
