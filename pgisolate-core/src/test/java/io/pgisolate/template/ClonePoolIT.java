package io.pgisolate.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.sql.PgServer;
import io.pgisolate.sql.Sql;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClonePoolIT {
  private static TempCluster cluster;
  private static PgServer server;
  private static Template template;

  @BeforeAll
  static void start() {
    cluster = TempCluster.builder().start();
    server = cluster.server();
    template =
        Templates.ensure(
            server,
            InitSource.callback(
                "pool-test",
                "1",
                t ->
                    t.connection()
                        .createStatement()
                        .execute("create table t (id int); insert into t values (1)")),
            Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void clonesAreFreshAndIndependent() throws Exception {
    try (ClonePool pool = ClonePool.start(template, ClonePool.Settings.defaults().withReady(2))) {
      Clone a = pool.acquire();
      Clone b = pool.acquire();
      assertThat(a.name()).isNotEqualTo(b.name()).startsWith("pgi_c_");
      try (Connection ca = a.connect()) {
        ca.createStatement().execute("insert into t values (2)");
      }
      assertThat(count(b)).isEqualTo(1);
      assertThat(count(a)).isEqualTo(2);
      pool.release(a);
      pool.release(b);
    }
    assertThat(clones("pgi_c_")).isEmpty();
  }

  @Test
  void releaseDropsEvenWithOpenConnections() throws Exception {
    try (ClonePool pool = ClonePool.start(template, ClonePool.Settings.defaults().withReady(1))) {
      Clone a = pool.acquire();
      Connection open = a.connect();
      pool.release(a);
      Clone b = pool.acquire();
      assertThat(b.name()).isNotEqualTo(a.name());
      pool.release(b);
      open.close();
    }
    assertThat(clones("pgi_c_")).isEmpty();
  }

  @Test
  void recycledCloneIsHandedOutAgain() {
    try (ClonePool pool =
        ClonePool.start(template, ClonePool.Settings.defaults().withReady(0).withMax(1))) {
      Clone a = pool.acquire();
      pool.recycle(a);
      assertThat(pool.acquire()).isEqualTo(a);
    }
  }

  @Test
  void timeoutShowsThePoolState() {
    ClonePool.Settings settings =
        ClonePool.Settings.defaults()
            .withReady(0)
            .withMax(1)
            .withAcquireTimeout(Duration.ofMillis(300));
    try (ClonePool pool = ClonePool.start(template, settings)) {
      pool.acquire();
      assertThatThrownBy(pool::acquire)
          .isInstanceOf(PoolTimeoutException.class)
          .hasMessageStartingWith(
              "timed out after 300 ms waiting for a clone of template " + template.name())
          .hasMessageContaining(
              "(ready=0, in use=1, being created=0, being dropped=0, waiting=1, max=1)")
          .hasMessageContaining("Hint: release clones after use");
    }
  }

  @Test
  void neverMoreClonesThanTheMaximum() throws Exception {
    ClonePool.Settings settings =
        ClonePool.Settings.defaults()
            .withReady(3)
            .withMax(3)
            .withAcquireTimeout(Duration.ofSeconds(30));
    try (ClonePool pool = ClonePool.start(template, settings)) {
      List<CompletableFuture<Void>> tests = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        tests.add(
            CompletableFuture.runAsync(
                () -> {
                  Clone c = pool.acquire();
                  try {
                    assertThat(count(c)).isEqualTo(1);
                    assertThat(clones("pgi_c_").size()).isLessThanOrEqualTo(3);
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  } finally {
                    pool.release(c);
                  }
                }));
      }
      tests.forEach(CompletableFuture::join);
    }
    assertThat(clones("pgi_c_")).isEmpty();
  }

  @Test
  void missingTemplateFailsFastWithTheServersError() {
    Template gone = new Template(server, "pgi_t_missing", InitSource.empty());
    try (ClonePool pool = ClonePool.start(gone, ClonePool.Settings.defaults().withReady(0))) {
      assertThatThrownBy(pool::acquire)
          .hasMessageStartingWith("could not create a clone of template pgi_t_missing: ")
          .hasMessageContaining("does not exist");
    }
  }

  @Test
  void connectionsTheServerEndedDoNotFailAcquiresNorLeaveClonesBehind() throws Exception {
    ClonePool.Settings settings =
        ClonePool.Settings.defaults().withPrefix("pgi_ended").withReady(1);
    try (ClonePool pool = ClonePool.start(template, settings)) {
      for (int i = 0; i < 3; i++) {
        pool.release(pool.acquire()); // every worker now holds an idle admin connection
      }
      // What a server restart, idle_session_timeout or a firewall does to idle connections.
      String terminateOthers =
          "select pg_terminate_backend(pid) from pg_stat_activity"
              + " where pid <> pg_backend_pid() and backend_type = 'client backend'";
      try (Connection admin = server.connect("postgres")) {
        assertThat(admin.createStatement().execute(terminateOthers)).isTrue();
      }
      for (int i = 0; i < 4; i++) {
        Clone clone = pool.acquire();
        assertThat(count(clone)).isEqualTo(1);
        pool.release(clone);
      }
    }
    assertThat(clones("pgi_ended_")).isEmpty();
  }

  @Test
  void aServerWithoutFreeConnectionsIsNamedAsTheCause() throws Exception {
    try (TempCluster small = TempCluster.builder().setting("max_connections", "5").start()) {
      Template t = Templates.ensure(small.server(), InitSource.empty(), Duration.ofSeconds(30));
      List<Connection> hogs = new ArrayList<>();
      try (ClonePool pool = ClonePool.start(t, ClonePool.Settings.defaults().withReady(0))) {
        try {
          while (hogs.size() < 10) {
            hogs.add(small.server().connect("postgres"));
          }
        } catch (RuntimeException full) {
          // every slot is taken now
        }
        assertThatThrownBy(() -> pool.acquire(Duration.ofSeconds(10)))
            .hasMessageContaining("too many clients already. Hint:") // one full stop, not two
            .hasMessageContaining(
                "Hint: the server has no connection slot left (max_connections); close"
                    + " connections, or raise max_connections.");
      } finally {
        for (Connection hog : hogs) {
          hog.close();
        }
      }
    }
  }

  @Test
  void newerVersionsNeverDropATemplateAPoolClonesFrom(@TempDir Path dir) throws Exception {
    Path schema = dir.resolve("schema.sql");
    Files.writeString(schema, "create table v0 (id int);");
    Template first = Templates.ensure(server, InitSource.sql(schema), Duration.ofSeconds(30));
    ClonePool.Settings settings = ClonePool.Settings.defaults().withPrefix("pgi_old").withReady(0);
    try (ClonePool pool = ClonePool.start(first, settings)) {
      // Other runs (other branches, on a shared server) build newer versions meanwhile.
      for (int version = 1; version <= Templates.KEEP + 1; version++) {
        Files.writeString(schema, "create table v" + version + " (id int);");
        Templates.ensure(server, InitSource.sql(schema), Duration.ofSeconds(30));
      }
      Clone clone = pool.acquire();
      pool.release(clone);
    }
    Files.writeString(schema, "create table v9 (id int);");
    Templates.ensure(server, InitSource.sql(schema), Duration.ofSeconds(30));
    assertThat(clones(first.name())).as("the template, once no pool uses it").isEmpty();
  }

  @Test
  void aServersIdleSessionTimeoutDoesNotLetAnotherPoolDropACloneInUse() throws Exception {
    try (TempCluster strict =
        TempCluster.builder().setting("idle_session_timeout", "300ms").start()) {
      Template t = Templates.ensure(strict.server(), InitSource.empty(), Duration.ofSeconds(30));
      ClonePool.Settings settings = ClonePool.Settings.defaults().withReady(0);
      try (ClonePool first = ClonePool.start(t, settings)) {
        Clone inUse = first.acquire();
        Thread.sleep(1000); // the scenario: the pool's own session stays idle past the timeout
        try (ClonePool second = ClonePool.start(t, settings)) {
          try (Connection c = inUse.connect()) {
            assertThat(c.isValid(1)).as("the first pool's clone in use").isTrue();
          }
        }
        first.release(inUse);
      }
    }
  }

  @Test
  void clonesOfACrashedPoolAreDroppedAtTheNextStart() throws Exception {
    // A clone whose owner holds no lock: what a killed JVM leaves.
    try (Connection admin = server.connect("postgres")) {
      admin
          .createStatement()
          .execute(
              "CREATE DATABASE "
                  + Sql.identifier("pgi_c_0badf00d_1")
                  + " TEMPLATE "
                  + Sql.identifier(template.name()));
    }
    assertThat(clones("pgi_c_0badf00d_")).hasSize(1);
    try (ClonePool pool = ClonePool.start(template, ClonePool.Settings.defaults().withReady(0))) {
      assertThat(clones("pgi_c_0badf00d_")).isEmpty();
    }
  }

  private static int count(Clone clone) throws Exception {
    try (Connection c = clone.connect();
        ResultSet rs = c.createStatement().executeQuery("select count(*) from t")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static List<String> clones(String prefix) throws Exception {
    List<String> names = new ArrayList<>();
    try (Connection c = server.connect("postgres");
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "select datname from pg_database where starts_with(datname, '"
                        + prefix
                        + "')")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }
}
