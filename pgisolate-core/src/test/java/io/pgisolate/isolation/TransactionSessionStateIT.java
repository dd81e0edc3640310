package io.pgisolate.isolation;

import static io.pgisolate.isolation.Db.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.InitSource;
import java.sql.Connection;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a test leaves on its worker's session that the rollback after it does not undo, and that the
 * next test on the worker must not see: pgjdbc's server-prepared statements planned against a
 * schema a test changed, COPY run around the handle's transaction, client-side settings.
 */
class TransactionSessionStateIT {
  private static final InitSource SCHEMA = InitSource.classpath("db/isolation/schema.sql");
  private static TempCluster cluster;
  private static PgServer server;

  @BeforeAll
  static void start() {
    cluster = TempCluster.builder().start();
    server = cluster.server();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  /** One worker: every test runs on the same session, after the one before. */
  private static TransactionRunner runner() {
    return TransactionRunner.start(server, "postgres", SCHEMA, 1);
  }

  // --- client-side settings ---

  @Test
  void connectionSettingsKeptInPgjdbcDoNotReachTheNextTest() throws Exception {
    try (TransactionRunner runner = runner()) {
      // A copy: pgjdbc hands out its own Properties, which it changes.
      Map<Object, Object> before = new HashMap<>(runner.run(Connection::getClientInfo));
      String applicationName = (String) before.get("ApplicationName");
      String schema = runner.run(Connection::getSchema);
      runner.run(
          c -> {
            c.setTypeMap(Map.of("note", String.class));
            c.setClientInfo("ApplicationName", "leaky test");
            c.setSchema("pg_catalog");
            c.setReadOnly(true);
            c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            assertThat(c.getClientInfo("ApplicationName")).isEqualTo("leaky test");
            return null;
          });
      runner.run(
          c -> {
            assertThat(new HashMap<>(c.getClientInfo())).isEqualTo(before);
            assertThat(c.getClientInfo("ApplicationName")).isEqualTo(applicationName);
            assertThat(string(c, "show application_name")).isEqualTo(applicationName);
            assertThat(c.getSchema()).isEqualTo(schema);
            assertThat(c.isReadOnly()).isFalse();
            assertThat(c.getTransactionIsolation())
                .isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
            assertThat(c.getTypeMap()).isEmpty();
            return null;
          });
      assertThat(runner.replacements()).isZero();
    }
  }
}
