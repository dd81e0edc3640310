package io.pgisolate.jdbc;

import static io.pgisolate.jdbc.PgIsolateDriverIT.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.os.Directories;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.InitSource;
import io.pgisolate.template.Template;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The driver's databases on the JVM's own cluster: made on one kept admin connection, the next new
 * name taken from a spare made ahead.
 */
class ClusterClonesIT {
  private static final Duration LOCK_TIMEOUT = Duration.ofMinutes(1);

  private TempCluster cluster;
  private PgServer server;
  private Connection admin;
  private Path scripts;
  private ClusterClones clones;

  @BeforeEach
  void start() throws Exception {
    cluster = TempCluster.builder().start();
    server = cluster.server();
    admin = server.connect("postgres");
    scripts = Files.createTempDirectory("cluster-clones-it");
    write("create table note (id int); insert into note values (1);");
    clones = ClusterClones.of(server);
  }

  @AfterEach
  void stop() throws Exception {
    clones.close();
    admin.close();
    cluster.close();
    Directories.deleteTree(scripts);
  }

  @Test
  void aSecondNewNameLeavesASpareThatTheNextNewNameIs() throws Exception {
    Template template = clones.template(source(), LOCK_TIMEOUT);
    clones.cloneAs(template, "first");
    assertThat(clones.spare()).as("no spare for a JVM that asks for one database").isEmpty();
    clones.cloneAs(template, "second");
    String spare = clones.spare().orElseThrow();
    String spareOid = oid(spare);

    clones.cloneAs(template, "third");

    assertThat(oid("third")).as("the spare, renamed").isEqualTo(spareOid);
    try (Connection c = server.connect("third")) {
      assertThat(string(c, "select count(*) from note")).isEqualTo("1");
    }
    assertThat(clones.spare()).as("the next spare").isPresent().isNotEqualTo(spare);
    assertThat(spares()).hasSize(1);
  }

  @Test
  void aChangedSchemaNeverGetsTheStaleSpare() throws Exception {
    Template before = clones.template(source(), LOCK_TIMEOUT);
    String stale = spareAfterTwoNames(before, "old");

    write("create table changed (id int);");
    Template after = clones.template(source(), LOCK_TIMEOUT);
    clones.cloneAs(after, "changed_schema");

    assertThat(after.name()).isNotEqualTo(before.name());
    try (Connection c = server.connect("changed_schema")) {
      assertThat(
              string(
                  c,
                  "select string_agg(relname, ',') from pg_class where relkind = 'r'"
                      + " and relnamespace = 'public'::regnamespace"))
          .isEqualTo("changed");
    }
    assertThat(spares()).as("the stale spare is dropped").doesNotContain(stale);
    String freshOid = oid(clones.spare().orElseThrow());
    clones.cloneAs(after, "changed_again");
    assertThat(oid("changed_again")).as("the spare of the new template").isEqualTo(freshOid);
  }

  @Test
  void anExistingNameFailsAsCreateDatabaseDoesAndKeepsTheSpare() throws Exception {
    Template template = clones.template(source(), LOCK_TIMEOUT);
    String spareOid = oid(spareAfterTwoNames(template, "kept"));
    admin.createStatement().execute("create database taken");

    assertThatThrownBy(() -> clones.cloneAs(template, "taken"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("database \"taken\" already exists");

    clones.cloneAs(template, "three");
    assertThat(oid("three")).as("the spare, kept for the next name").isEqualTo(spareOid);
  }

  @Test
  void closingDropsTheSpareAndEndsTheAdminSession() throws Exception {
    Template template = clones.template(source(), LOCK_TIMEOUT);
    spareAfterTwoNames(template, "closed");
    assertThat(otherSessions()).as("the kept admin connection").isEqualTo(1);

    clones.close();

    assertThat(spares()).isEmpty();
    // A backend whose client closed its connection takes a moment to exit.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (otherSessions() > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(otherSessions()).as("sessions other than this test's").isZero();
    clones.cloneAs(template, "after_close");
    assertThat(oid("after_close")).isNotNull();
    assertThat(spares()).isEmpty();
  }

  @Test
  void theSpareIsDroppedAtJvmExitBeforeTheClusterStops() throws Exception {
    Process child =
        PgIsolateDriverIT.childJvm(
                System.getProperty("java.class.path"), List.of(), SpareAtExit.class)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child exited").isTrue();
      assertThat(child.exitValue()).isZero();
      assertThat(output.lines().toList())
          .hasSize(2)
          .satisfies(lines -> assertThat(lines.get(0)).matches("spare before exit: pgi_spare_\\d+"))
          .satisfies(lines -> assertThat(lines.get(1)).isEqualTo("spares at exit: none"));
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void twoThreadsAskingForNewNamesAtOnceGetTheirOwn() throws Exception {
    int threads = 4;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<String>> answers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        String url = "jdbc:pgisolate:///at_once_" + i + "?scripts=db/isolation/schema.sql";
        answers.add(
            pool.submit(
                () -> {
                  start.await();
                  try (Connection c = DriverManager.getConnection(url)) {
                    c.createStatement().execute("insert into note (body) values ('mine')");
                  }
                  try (Connection again = DriverManager.getConnection(url)) {
                    return string(again, "select current_database()")
                        + " "
                        + string(again, "select string_agg(body, ',' order by id) from note");
                  }
                }));
      }
      start.countDown();
      for (int i = 0; i < threads; i++) {
        assertThat(answers.get(i).get(60, TimeUnit.SECONDS))
            .isEqualTo("at_once_" + i + " seed,mine");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Makes {@code <prefix>_1} and {@code <prefix>_2}; returns the spare made after them. */
  private String spareAfterTwoNames(Template template, String prefix) throws Exception {
    clones.cloneAs(template, prefix + "_1");
    clones.cloneAs(template, prefix + "_2");
    return clones.spare().orElseThrow();
  }

  private InitSource source() {
    return InitSource.sql(scripts.resolve("schema.sql"));
  }

  private void write(String sql) throws Exception {
    Files.writeString(scripts.resolve("schema.sql"), sql);
  }

  private String oid(String database) throws SQLException {
    try (var ps = admin.prepareStatement("select oid::text from pg_database where datname = ?")) {
      ps.setString(1, database);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private int otherSessions() throws SQLException {
    return Integer.parseInt(
        string(
            admin,
            "select count(*) from pg_stat_activity where backend_type = 'client backend'"
                + " and pid <> pg_backend_pid()"));
  }

  private List<String> spares() throws SQLException {
    return SpareAtExit.spares(admin);
  }
}
