package io.pgisolate.junit5;

import static io.pgisolate.junit5.ExtensionBehaviourIT.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.pgisolate.cluster.TempCluster;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * Flyway, Liquibase and pgisolate-proxy are optional dependencies: a test that asks for one of them
 * without it on the classpath (run in a JVM of its own, whose classpath lacks them) fails with what
 * to add, and leaves no database behind (no template half-built, no clone).
 */
class OptionalDependenciesIT {

  @PgIsolated(flyway = true)
  static class FlywayTest {
    @Test
    void test(Connection c) {}
  }

  @PgIsolated(liquibase = "db/liquibase/changelog.sql")
  static class LiquibaseTest {
    @Test
    void test(Connection c) {}
  }

  @PgIsolated(
      scripts = "db/junit/schema.sql",
      isolation = io.pgisolate.isolation.IsolationMode.SHARED_TRANSACTION)
  static class SharedTransactionTest {
    @Test
    void test(Connection c) {}
  }

  /** Runs in the child JVM: runs the test classes and prints each failure's message. */
  public static void main(String[] args) {
    for (Class<?> testClass :
        List.of(FlywayTest.class, LiquibaseTest.class, SharedTransactionTest.class)) {
      EngineTestKit.engine("junit-jupiter")
          .selectors(selectClass(testClass))
          .configurationParameter("pgisolate.url", args[0])
          .execute()
          .allEvents()
          .failed()
          .stream()
          .forEach(e -> System.out.println("FAILED: " + message(e)));
    }
  }

  @Test
  void aMissingOptionalDependencyIsExplained() throws Exception {
    String classpath =
        Arrays.stream(
                System.getProperty(
                        "surefire.test.class.path", System.getProperty("java.class.path"))
                    .split(File.pathSeparator))
            .filter(
                entry ->
                    !entry.contains("flyway")
                        && !entry.contains("liquibase")
                        && !entry.contains("pgisolate-proxy"))
            .collect(Collectors.joining(File.pathSeparator));
    try (TempCluster server = TempCluster.builder().start()) {
      Process child =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  classpath,
                  OptionalDependenciesIT.class.getName(),
                  server.uri())
              .redirectErrorStream(true)
              .start();
      String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(output.lines().filter(l -> l.startsWith("FAILED: ")))
          .as(output)
          .containsExactly(
              "FAILED: Flyway migrations (flyway:classpath:db/migration) need flyway-core and"
                  + " flyway-database-postgresql on the classpath (org.flywaydb.core.Flyway is"
                  + " missing). Hint: add the dependency org.flywaydb:flyway-database-postgresql,"
                  + " scope test (it brings flyway-core).",
              "FAILED: a Liquibase changelog (liquibase:db/liquibase/changelog.sql) needs"
                  + " liquibase-core on the classpath (liquibase.Liquibase is missing). Hint: add"
                  + " the dependency org.liquibase:liquibase-core, scope test.",
              "FAILED: isolation = SHARED_TRANSACTION needs pgisolate-proxy on the test classpath"
                  + " (io.pgisolate.proxy.transactional.TransactionalProxy is missing). Hint: add"
                  + " the dependency io.pgisolate:pgisolate-proxy, scope test.");
      try (Connection admin = server.dataSource().getConnection()) {
        assertThat(
                PgIsolatedIT.string(
                    admin,
                    "select string_agg(datname, ', ') from pg_database"
                        + " where datname not in ('postgres', 'template0', 'template1')"))
            .as("databases left")
            .isNull();
      }
    }
  }
}
