package io.pgisolate.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.lease.LeaseServer;
import io.pgisolate.lease.LeaseSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineTestKit;

/** With a lease server configured, DATABASE-mode tests take their databases from its pool. */
class LeaseModeIT {
  static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

  @PgIsolated
  static class LeasingTests {
    @RepeatedTest(4)
    void usesALeasedDatabase(PgDatabase db, Connection c) throws Exception {
      SEEN.add(PgIsolatedIT.string(c, "select current_database()"));
      assertThat(db.name()).startsWith("leased_");
      assertThat(PgIsolatedIT.count(c, "select count(*) from shared_table")).isEqualTo(1);
    }
  }

  @Test
  void testsLeaseTheirDatabasesFromTheServer(@TempDir Path dir) throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    try (TempCluster cluster = TempCluster.builder().start()) {
      try (Connection admin = cluster.dataSource().getConnection()) {
        for (String db : List.of("leased_0", "leased_1")) {
          admin.createStatement().execute("create database " + db);
          try (Connection c = cluster.dataSource(db).getConnection()) {
            c.createStatement()
                .execute("create table shared_table (id int); insert into shared_table values (1)");
          }
        }
      }
      try (LeaseServer server =
          LeaseServer.start(new LeaseSettings("leased_", 2, dir.resolve("pgm.sock")))) {
        EngineTestKit.engine("junit-jupiter")
            .selectors(selectClass(LeasingTests.class))
            .configurationParameter("pgisolate.url", cluster.uri())
            .configurationParameter("pgisolate.lease.socket", server.socket().toString())
            .execute()
            .testEvents()
            .assertStatistics(s -> s.started(4).succeeded(4));
        assertThat(SEEN).containsExactlyInAnyOrder("leased_0", "leased_1");
        // Every lease ended with its test.
        assertThat(server.pool().awaitState(s -> s.leased().isEmpty(), Duration.ofSeconds(10)))
            .isTrue();
      }
    }
  }

  @Test
  void aLeaseServerWithoutTheServerUrlIsExplained() {
    var results =
        EngineTestKit.engine("junit-jupiter")
            .selectors(selectClass(LeasingTests.class))
            .configurationParameter("pgisolate.lease.socket", "/tmp/nowhere.sock")
            .execute();
    results.testEvents().assertStatistics(s -> s.failed(4));
    Throwable cause =
        results.testEvents().failed().stream()
            .findFirst()
            .orElseThrow()
            .getPayload(org.junit.platform.engine.TestExecutionResult.class)
            .orElseThrow()
            .getThrowable()
            .orElseThrow();
    assertThat(cause)
        .hasMessage(
            "a lease server is configured (/tmp/nowhere.sock) but not the PostgreSQL server its"
                + " databases live on. Hint: set pgisolate.url in junit-platform.properties or"
                + " PGISOLATE_URL.");
  }
}
