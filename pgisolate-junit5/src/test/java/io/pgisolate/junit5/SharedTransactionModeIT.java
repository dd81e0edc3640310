package io.pgisolate.junit5;

import static io.pgisolate.junit5.PgIsolatedIT.count;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.isolation.IsolationMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * SHARED_TRANSACTION: an "application" with a connection of its own, and psql in another process,
 * write through the URL the test was given; the next test sees none of it.
 */
@TestMethodOrder(MethodOrderer.MethodName.class)
// The schema is built once and committed; every test is BEGIN TEST … ROLLBACK TEST on a proxy.
@PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SHARED_TRANSACTION)
class SharedTransactionModeIT {

  @Test
  void a_theApplicationWritesWithConnectionsOfItsOwn(
      @JdbcUrl String url, PgDatabase db, Connection test) throws Exception {
    try (Connection app = DriverManager.getConnection(url)) { // as the application's pool would
      app.setAutoCommit(false);
      app.createStatement().execute("insert into note (body) values ('by the application')");
      app.commit();
    }
    psql(db.uri(), "insert into note (body) values ('by another process')");
    assertThat(count(test, "select count(*) from note")).isEqualTo(3);
  }

  @Test
  void b_theNextTestSeesNoneOfIt(Connection c) throws Exception {
    assertThat(count(c, "select count(*) from note")).isEqualTo(1);
  }

  /** Runs {@code sql} with psql: another process, connected to {@code uri}. */
  /**
   * Runs {@code sql} with psql at {@code uri}; returns what it printed (unaligned, tuples only).
   */
  static String psql(String uri, String sql) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder("psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", uri, "-c", sql)
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("psql finished").isTrue();
    assertThat(process.exitValue()).as("psql printed:%n%s", output).isZero();
    return output;
  }
}
