package io.pgisolate.isolation;

import static io.pgisolate.isolation.Db.count;
import static io.pgisolate.isolation.Db.exec;
import static io.pgisolate.isolation.Db.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.InitSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SchemaIsolationIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
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

  private static SchemaIsolation schemas(InitSource source) {
    return SchemaIsolation.start(server, "postgres", source);
  }

  private static long schemasLike(String prefix) throws Exception {
    try (Connection c = server.connect("postgres")) {
      return count(c, "select count(*) from pg_namespace where nspname like '" + prefix + "%'");
    }
  }

  @Test
  void eachTestHasItsOwnSchemaReachableThroughEveryHandle() throws Exception {
    try (SchemaIsolation isolation = schemas(InitSource.classpath("db/isolation/schema.sql"))) {
      Isolated a = isolation.begin(WAIT);
      Isolated b = isolation.begin(WAIT);
      String schemaA = a.schema().orElseThrow();
      assertThat(schemaA).isNotEqualTo(b.schema().orElseThrow()).startsWith("pgi_s_");
      try (Connection ca = a.connection();
          Connection viaUrl = DriverManager.getConnection(a.jdbcUrl());
          Connection viaDs = a.dataSource().getConnection()) {
        exec(ca, "insert into note (body) values ('a')");
        assertThat(count(viaUrl, "select count(*) from note")).isEqualTo(2);
        assertThat(string(viaDs, "select current_schema()")).isEqualTo(schemaA);
        assertThat(string(viaDs, "show search_path")).isEqualTo(schemaA);
      }
      assertThat(a.uri()).endsWith("/postgres?options=-csearch_path%3D" + schemaA);
      try (Connection cb = b.connection()) {
        assertThat(count(cb, "select count(*) from note")).isEqualTo(1);
      }
      a.end(Outcome.passed("a"));
      b.end(Outcome.passed("b"));
    }
    assertThat(schemasLike("pgi_s_")).as("dropped at the latest when closed").isZero();
  }

  @Test
  void manyTestsAtOnceInOneDatabase() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (SchemaIsolation isolation = schemas(InitSource.classpath("db/isolation/schema.sql"))) {
      List<CompletableFuture<Long>> results = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        results.add(
            CompletableFuture.supplyAsync(
                () -> {
                  Isolated test = isolation.begin(WAIT);
                  try (Connection c = test.connection()) {
                    exec(c, "insert into note (body) values ('x')");
                    return count(c, "select count(*) from note");
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  } finally {
                    test.end(Outcome.passed("parallel"));
                  }
                },
                pool));
      }
      for (CompletableFuture<Long> r : results) {
        assertThat(r.get()).isEqualTo(2);
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void flywayMigratesIntoTheSchema() throws Exception {
    try (SchemaIsolation isolation = schemas(InitSource.flyway("classpath:db/migration"))) {
      Isolated test = isolation.begin(WAIT);
      try (Connection c = test.connection()) {
        assertThat(count(c, "select count(*) from item")).isEqualTo(2);
        assertThat(count(c, "select count(*) from public.pg_class where false")).isZero();
      } catch (Exception e) {
        // public.pg_class does not exist: the point is only that item is in the schema
      }
      try (Connection c = test.connection()) {
        assertThat(
                string(
                    c,
                    "select table_schema from information_schema.tables where table_name ="
                        + " 'item'"))
            .isEqualTo(test.schema().orElseThrow());
      }
      test.end(Outcome.passed("flyway"));
    }
  }

  @Test
  void aFailedTestsSchemaIsKeptWhenAsked() throws Exception {
    String schema;
    try (SchemaIsolation isolation = schemas(InitSource.classpath("db/isolation/schema.sql"))) {
      Isolated test = isolation.begin(WAIT);
      schema = test.schema().orElseThrow();
      Outcome failed =
          Outcome.failed(new AssertionError("boom"), "fails()").withKeepOnFailure(true);
      assertThat(test.end(failed)).get().asString().contains("csearch_path%3D" + schema);
      assertThat(isolation.keptAny()).isTrue();
    }
    try (Connection c = server.connect("postgres")) {
      assertThat(
              string(
                  c,
                  "select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = '"
                      + schema
                      + "'"))
          .isEqualTo("pgisolate: kept: fails()");
      exec(c, "drop schema " + schema + " cascade");
    }
  }

  // --- bad input ---

  @Test
  void aFailingInitSourceSaysWhereAndLeavesNoSchema() throws Exception {
    try (SchemaIsolation isolation =
        SchemaIsolation.start(
            server, "postgres", InitSource.classpath("db/isolation/broken.sql"), "pgi_bad")) {
      assertThatThrownBy(() -> isolation.begin(WAIT))
          .hasMessageContaining("could not be built from classpath:db/isolation/broken.sql")
          .hasMessageContaining("init script classpath:db/isolation/broken.sql failed at line 3,")
          .hasMessageContaining("syntax error");
      assertThatThrownBy(() -> isolation.begin(WAIT)).hasMessageContaining("syntax error");
    }
    assertThat(schemasLike("pgi_bad_")).isZero();
  }

  @Test
  void aTestThatDropsItsSchemaFailsClearlyAndOthersGoOn() throws Exception {
    try (SchemaIsolation isolation = schemas(InitSource.classpath("db/isolation/schema.sql"))) {
      Isolated test = isolation.begin(WAIT);
      try (Connection c = test.connection()) {
        exec(c, "drop schema " + test.schema().orElseThrow() + " cascade");
      }
      assertThatThrownBy(() -> test.end(Outcome.passed("dropper")))
          .isInstanceOf(IsolationBrokenException.class)
          .hasMessageContaining("the test 'dropper' dropped its own schema");
      Isolated next = isolation.begin(WAIT);
      try (Connection c = next.connection()) {
        assertThat(count(c, "select count(*) from note")).isEqualTo(1);
      }
      next.end(Outcome.passed("next"));
    }
  }

  // --- what it does not isolate ---

  @Test
  void closingWhileATestRunsLeavesItsSchemaUntilItEnds() throws Exception {
    SchemaIsolation isolation = schemas(InitSource.classpath("db/isolation/schema.sql"));
    Isolated running = isolation.begin(WAIT);
    Isolated ended = isolation.begin(WAIT);
    ended.end(Outcome.passed("ended"));
    String schema = running.schema().orElseThrow();
    try (Connection c = running.connection()) {
      exec(c, "insert into note (body) values ('before close')");
      isolation.close();
      exec(c, "insert into note (body) values ('after close')");
      assertThat(count(c, "select count(*) from note")).isEqualTo(3);
    }
    assertThat(running.end(Outcome.passed("running"))).isEmpty();
    assertThat(schemasLike(schema)).isZero();
    assertThat(schemasLike(ended.schema().orElseThrow())).isZero();
  }

  @Test
  void advisoryLocksAndOtherSchemasAreShared() throws Exception {
    try (SchemaIsolation isolation = schemas(InitSource.classpath("db/isolation/schema.sql"))) {
      Isolated a = isolation.begin(WAIT);
      Isolated b = isolation.begin(WAIT);
      try (Connection ca = a.connection();
          Connection cb = b.connection()) {
        assertThat(string(ca, "select pg_try_advisory_lock(77)")).isEqualTo("t");
        assertThat(string(cb, "select pg_try_advisory_lock(77)"))
            .as("advisory locks are database-wide")
            .isEqualTo("f");
        assertThat(count(cb, "select count(*) from " + a.schema().orElseThrow() + ".note"))
            .as("another test's schema is readable when qualified")
            .isEqualTo(1);
        assertThat(count(cb, "select nextval('note_id_seq')"))
            .as("sequences are per schema")
            .isEqualTo(2);
      }
      a.end(Outcome.passed("a"));
      b.end(Outcome.passed("b"));
    }
  }
}
