package io.pgisolate.bench;

import io.zonky.test.db.postgres.embedded.DatabasePreparer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PreparedDbProvider;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * What one cold sample of {@code bin/bench jdbc-url} runs in its own JVM: get a database with the
 * schema in a scripts directory, one way or another, run {@link #QUERY} on it and print {@code
 * answer N}; then exit as a test JVM does (System.exit, so shutdown hooks clean up).
 *
 * <pre>
 * jvm                  prints the line at once: the JVM's own start, for reference
 * url URL              DriverManager.getConnection(URL): a jdbc:pgisolate: URL, or pgjdbc's to a
 *                      running server for reference; env:NAME takes the URL from variable NAME
 * raw BIN DIR          initdb + pg_ctl start -w (BIN, data on /dev/shm), createdb, psql -f DIR/*.sql,
 *                      pgjdbc; stops and deletes the cluster before exiting
 * zonky DIR [/dev/shm] zonky's PreparedDbProvider, DIR's scripts as its preparer; its data where
 *                      zonky puts it (/tmp), or on /dev/shm
 * </pre>
 */
final class JdbcUrlChild {
  static final String QUERY =
      "select count(*) from information_schema.tables where table_schema = 'public'";

  private JdbcUrlChild() {}

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Exception | LinkageError e) {
      e.printStackTrace();
      // The last line, which the parent quotes.
      System.err.println("jdbc-url child " + String.join(" ", args) + " failed: " + e);
      System.exit(1);
    }
    System.out.flush();
    System.exit(0);
  }

  private static void run(String[] args) throws Exception {
    switch (args[0]) {
      case "jvm" -> System.out.println(ChildJvm.ANSWER + 0);
      case "url" -> answer(DriverManager.getConnection(url(args[1])));
      case "raw" -> raw(Path.of(args[1]), Path.of(args[2]));
      case "zonky" ->
          answer(zonky(Path.of(args[1]), args.length > 2).createDataSource().getConnection());
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  /**
   * {@code url}, or for {@code env:NAME} the environment variable's value (a password stays out of
   * ps).
   */
  private static String url(String url) {
    return url.startsWith("env:") ? System.getenv(url.substring("env:".length())) : url;
  }

  /** Runs {@link #QUERY} on {@code c}, closes it and prints the answer. */
  private static void answer(Connection c) throws SQLException {
    System.out.println(ChildJvm.ANSWER + tables(c));
  }

  /** The number of tables in schema public, by {@link #QUERY}; closes {@code c}. */
  static long tables(Connection c) throws SQLException {
    try (c;
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(QUERY)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void raw(Path bin, Path scripts) throws Exception {
    try (RawCluster pg = RawCluster.start(bin)) {
      String port = String.valueOf(pg.port());
      RawCluster.client(
          List.of("createdb", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "app"));
      List<String> psql =
          new ArrayList<>(
              List.of(
                  "psql",
                  "-X",
                  "-q",
                  "-v",
                  "ON_ERROR_STOP=1",
                  "-h",
                  "127.0.0.1",
                  "-p",
                  port,
                  "-U",
                  "postgres",
                  "-d",
                  "app"));
      for (Path script : scripts(scripts)) {
        psql.add("-f");
        psql.add(script.toString());
      }
      RawCluster.client(psql);
      answer(DriverManager.getConnection(pg.jdbcUrl("app")));
    }
  }

  static PreparedDbProvider zonky(Path scripts, boolean ramDisk) {
    DatabasePreparer preparer =
        ds -> {
          try (Connection c = ds.getConnection();
              Statement st = c.createStatement()) {
            for (Path script : scripts(scripts)) {
              st.execute(read(script));
            }
          }
        };
    List<Consumer<EmbeddedPostgres.Builder>> customizers = new ArrayList<>();
    if (ramDisk) {
      customizers.add(
          b ->
              b.setDataDirectory(new File("/dev/shm/zonky-bench-" + UUID.randomUUID()))
                  .setCleanDataDirectory(true));
    }
    return PreparedDbProvider.forPreparer(preparer, customizers);
  }

  /** The *.sql files in {@code dir}, in name order (as pgisolate runs a directory's scripts). */
  static List<Path> scripts(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".sql")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path script) {
    try {
      return Files.readString(script);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
