package io.pgisolate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.JvmServer;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.sql.PgServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jdbc:pgisolate:} URLs through {@link DriverManager}, as a pool or Spring would use them.
 */
class PgIsolateDriverIT {
  private static final String SCHEMA = "scripts=db/isolation/schema.sql";

  @Test
  void connectionsWithTheSameUrlReachTheSameDatabase() throws Exception {
    String url = "jdbc:pgisolate:///same_url?" + SCHEMA;
    try (Connection writer = DriverManager.getConnection(url);
        Connection reader = DriverManager.getConnection(url)) {
      writer.createStatement().execute("insert into note (body) values ('written')");
      assertThat(string(reader, "select current_database()")).isEqualTo("same_url");
      assertThat(string(reader, "select string_agg(body, ',' order by id) from note"))
          .isEqualTo("seed,written");
    }
  }

  @Test
  void differentUrlsReachDifferentDatabases() throws Exception {
    try (Connection a = DriverManager.getConnection("jdbc:pgisolate:///first?" + SCHEMA);
        Connection b = DriverManager.getConnection("jdbc:pgisolate:second?" + SCHEMA);
        Connection unnamed = DriverManager.getConnection("jdbc:pgisolate:?" + SCHEMA);
        Connection empty = DriverManager.getConnection("jdbc:pgisolate:")) {
      a.createStatement().execute("insert into note (body) values ('only in first')");
      assertThat(string(b, "select current_database()")).isEqualTo("second");
      assertThat(string(b, "select count(*) from note")).isEqualTo("1");
      assertThat(string(unnamed, "select current_database()")).startsWith("pgisolate_");
      assertThat(string(empty, "select current_database()"))
          .startsWith("pgisolate_")
          .isNotEqualTo(string(unnamed, "select current_database()"));
      assertThat(string(empty, "select count(*) from pg_class where relname = 'note'"))
          .isEqualTo("0");
    }
  }

  @Test
  void flywayMigrationsBuildTheSchema() throws Exception {
    try (Connection byDefault = DriverManager.getConnection("jdbc:pgisolate:///fly?flyway=true");
        Connection byLocation =
            DriverManager.getConnection(
                "jdbc:pgisolate:///fly_located?migrations=classpath:db/migration")) {
      assertThat(string(byDefault, "select string_agg(name, ',' order by id) from item"))
          .isEqualTo("apple,pear");
      assertThat(string(byLocation, "select count(*) from flyway_schema_history where success"))
          .isEqualTo("2");
    }
  }

  @Test
  void aLiquibaseChangelogBuildsTheSchema() throws Exception {
    try (Connection c =
        DriverManager.getConnection(
            "jdbc:pgisolate:///liqui?liquibase=db/liquibase/changelog.sql")) {
      assertThat(string(c, "select count(*) from person")).isEqualTo("3");
    }
  }

  @Test
  void otherParametersAndPropertiesGoToPgjdbc() throws Exception {
    Properties info = new Properties();
    info.setProperty("options", "-c statement_timeout=1234");
    try (Connection c =
        DriverManager.getConnection(
            "jdbc:pgisolate:///passed?" + SCHEMA + "&ApplicationName=driver-it&currentSchema=extra",
            info)) {
      assertThat(string(c, "select current_setting('application_name')")).isEqualTo("driver-it");
      assertThat(string(c, "select current_setting('search_path')")).isEqualTo("extra");
      assertThat(string(c, "select current_setting('statement_timeout')")).isEqualTo("1234ms");
    }
  }

  @Test
  void aPoolFillingAtOnceGetsOneDatabaseBuiltOnce() throws Exception {
    String url = "jdbc:pgisolate:///filling_pool?" + SCHEMA;
    int threads = 12;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<String>> names = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        names.add(
            pool.submit(
                () -> {
                  start.await();
                  try (Connection c = DriverManager.getConnection(url)) {
                    c.createStatement().execute("insert into note (body) values ('thread')");
                    return string(c, "select current_database()");
                  }
                }));
      }
      start.countDown();
      for (Future<String> name : names) {
        assertThat(name.get(60, TimeUnit.SECONDS)).isEqualTo("filling_pool");
      }
    } finally {
      pool.shutdownNow();
    }
    try (Connection c = DriverManager.getConnection(url)) {
      assertThat(string(c, "select count(*) from note")).isEqualTo(String.valueOf(threads + 1));
    }
  }

  @Test
  void anotherDriversUrlIsLeftToIt() throws SQLException {
    assertThat(new PgIsolateDriver().connect("jdbc:postgresql://localhost/x", new Properties()))
        .isNull();
    assertThat(DriverManager.getDriver("jdbc:pgisolate:///x")).isInstanceOf(PgIsolateDriver.class);
  }

  // --- bad input: one line naming the parameter, with a hint, and nothing left behind ---

  @Test
  void aMissingScriptIsNamed() throws Exception {
    assertFailsWith(
        "jdbc:pgisolate:///missing_script?scripts=db/missing.sql&password=secret",
        "jdbc:pgisolate:///missing_script?scripts=db/missing.sql&password=***: the schema of"
            + " scripts=db/missing.sql could not be built: classpath resource 'db/missing.sql'"
            + " was not found. Hint: check the name");
    assertNoDatabase("missing_script");
  }

  @Test
  void aFailingMigrationIsNamedWithItsFileAndLine() throws Exception {
    assertFailsWith(
        "jdbc:pgisolate:///broken_migration?migrations=classpath:db/broken",
        "jdbc:pgisolate:///broken_migration?migrations=classpath:db/broken: the schema of"
            + " migrations=classpath:db/broken could not be built: template ",
        "migration V2__broken.sql failed at line 3: syntax error at or near \"tabel\"",
        "Hint: fix migrations=classpath:db/broken; the template is rebuilt when it changes.");
    assertNoDatabase("broken_migration");
  }

  @Test
  void anInvalidVersionIsNamed() throws Exception {
    assertFailsWith(
        "jdbc:pgisolate:///bad_version?" + SCHEMA + "&version=banana",
        "jdbc:pgisolate:///bad_version?"
            + SCHEMA
            + "&version=banana: no temporary cluster of"
            + " version=banana could start: invalid PostgreSQL version 'banana'. Hint: give a major"
            + " version such as 17");
    assertNoDatabase("bad_version");
  }

  @Test
  void versionsThatNameTheSameBinariesShareOneCluster() throws Exception {
    try (Connection major = DriverManager.getConnection("jdbc:pgisolate:///v18?version=18");
        Connection full = DriverManager.getConnection("jdbc:pgisolate:///v18_1_0?version=18.1.0")) {
      assertThat(string(full, "show server_version")).startsWith("18.1");
      assertThat(string(full, "show port")).isEqualTo(string(major, "show port"));
      assertThat(JvmServer.get(Optional.empty(), Optional.of("18.1")).server().port())
          .isEqualTo(Integer.parseInt(string(major, "show port")));
    }
  }

  @Test
  void noVersionWithPgisolatePgVersionSetSharesTheClusterOfThatVersion() throws Exception {
    ProcessBuilder builder =
        childJvm(
                System.getProperty("java.class.path"),
                List.of(),
                ServerPorts.class,
                "jdbc:pgisolate:///unversioned",
                "jdbc:pgisolate:///versioned?version=18")
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().put("PGISOLATE_PG_VERSION", "18");
    Process child = builder.start();
    try {
      List<String> ports =
          new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
              .lines()
              .toList();
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child exited").isTrue();
      assertThat(child.exitValue()).isZero();
      assertThat(ports).hasSize(2);
      assertThat(ports.get(1)).as("one cluster").isEqualTo(ports.get(0));
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void aMisspeltParameterIsNamedWithTheRightOne() {
    assertFailsWith(
        "jdbc:pgisolate:///typo?script=db/isolation/schema.sql",
        "invalid URL jdbc:pgisolate:///typo?script=db/isolation/schema.sql: unknown parameter"
            + " 'script': neither pgisolate's nor a pgjdbc property (names are case-sensitive)."
            + " Hint: did you mean 'scripts'?");
  }

  @Test
  void badValuesAndHostsAreNamed() {
    assertFailsWith(
        "jdbc:pgisolate:///x?flyway=yes",
        "invalid URL jdbc:pgisolate:///x?flyway=yes: flyway=yes is neither true nor false."
            + " Hint: write flyway=true.");
    assertFailsWith(
        "jdbc:pgisolate://localhost:5432/x",
        "invalid URL jdbc:pgisolate://localhost:5432/x: it names a host (localhost:5432), but"
            + " pgisolate chooses the server",
        "Hint: write jdbc:pgisolate:///DATABASE");
    assertFailsWith(
        "jdbc:pgisolate:///" + "n".repeat(64),
        "invalid URL jdbc:pgisolate:///"
            + "n".repeat(64)
            + ": the database name is longer than 63 bytes, PostgreSQL's limit. Hint: shorten it.");
  }

  @Test
  void oneNameWithTwoSchemasIsAConflict() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:pgisolate:///taken?" + SCHEMA)) {
      assertFailsWith(
          "jdbc:pgisolate:///taken?flyway=true",
          "jdbc:pgisolate:///taken?flyway=true: database taken is already made by"
              + " jdbc:pgisolate:///taken?"
              + SCHEMA
              + ", from another schema or version. Hint: give each schema its own database"
              + " name.");
    }
  }

  @Test
  void flywayMissingFromTheClasspathIsNamed() throws Exception {
    String classpath =
        java.util.Arrays.stream(
                System.getProperty("java.class.path").split(java.io.File.pathSeparator))
            .filter(entry -> !entry.contains("flyway"))
            .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    assertThat(failingChildOutput(classpath, "jdbc:pgisolate:///no_flyway?flyway=true"))
        .contains(
            "java.sql.SQLException: jdbc:pgisolate:///no_flyway?flyway=true: the schema of"
                + " flyway=true could not be built: Flyway migrations"
                + " (flyway:classpath:db/migration) need flyway-core and"
                + " flyway-database-postgresql on the classpath (org.flywaydb.core.Flyway is"
                + " missing). Hint: add the dependency org.flywaydb:flyway-database-postgresql,"
                + " scope test (it brings flyway-core).\n");
  }

  // --- a server named by pgisolate.url ---

  @Test
  void onAnExistingServerTheDatabaseIsUniqueToTheJvmAndDroppedAtExit() throws Exception {
    try (TempCluster existing = TempCluster.builder().start()) {
      Process child = child(existing, "jdbc:pgisolate:///on_existing?" + SCHEMA);
      try {
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child exited").isTrue();
        String database = firstLine(child);
        assertThat(child.exitValue()).isZero();
        assertThat(database).matches("on_existing_[0-9a-f]{8}_1");
        try (Connection admin = PgServer.fromUrl(existing.uri()).connect("postgres")) {
          assertThat(databases(admin, "on_existing")).as("dropped at exit").isEmpty();
          assertThat(databases(admin, "pgi_t_"))
              .as("the template stays for the next run")
              .hasSize(1);
        }
      } finally {
        child.destroyForcibly();
      }
    }
  }

  @Test
  void onAnExistingServerTheNextJvmDropsTheDatabaseOfOneThatDied() throws Exception {
    try (TempCluster existing = TempCluster.builder().start()) {
      String url = "jdbc:pgisolate:///crashed?" + SCHEMA;
      Process killed = child(existing, url, "wait");
      String leftover;
      try {
        leftover = firstLine(killed);
      } finally {
        killed.destroyForcibly(); // SIGKILL: no shutdown hook runs
        killed.waitFor(60, TimeUnit.SECONDS);
      }
      try (Connection admin = PgServer.fromUrl(existing.uri()).connect("postgres")) {
        assertThat(databases(admin, "crashed")).containsExactly(leftover);
        Process next = child(existing, url);
        try {
          assertThat(next.waitFor(60, TimeUnit.SECONDS)).as("child exited").isTrue();
          assertThat(firstLine(next)).startsWith("crashed_").isNotEqualTo(leftover);
        } finally {
          next.destroyForcibly();
        }
        assertThat(databases(admin, "crashed")).isEmpty();
      }
    }
  }

  @Test
  void onAnExistingServerANameThatCannotStartAUniqueOneIsNamed() throws Exception {
    try (TempCluster existing = TempCluster.builder().start()) {
      System.setProperty("pgisolate.url", existing.uri());
      try {
        assertFailsWith(
            "jdbc:pgisolate:///Shop?" + SCHEMA,
            "jdbc:pgisolate:///Shop?"
                + SCHEMA
                + ": database name Shop does not suit the server at pgisolate.url, where it is the"
                + " start of a name unique to this JVM: invalid prefix 'Shop': lower-case letters,"
                + " digits and _, at most 31. Hint: change the name in the URL.");
      } finally {
        System.clearProperty("pgisolate.url");
      }
      try (Connection admin = PgServer.fromUrl(existing.uri()).connect("postgres")) {
        assertThat(databases(admin, "pgi_t_")).as("no template built for nothing").isEmpty();
      }
    }
  }

  @Test
  void aServerAtPgisolateUrlThatIsDownIsNamed() throws Exception {
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort(); // free once closed: nothing listens there
    }
    System.setProperty(
        "pgisolate.url", "postgres://postgres:secret@127.0.0.1:" + port + "/postgres");
    try {
      assertFailsWith(
          "jdbc:pgisolate:///down?" + SCHEMA,
          "jdbc:pgisolate:///down?"
              + SCHEMA
              + ": the server at pgisolate.url / PGISOLATE_URL: cannot connect to the server at"
              + " 127.0.0.1:"
              + port,
          "Hint: check that the server runs there and accepts this user.");
    } finally {
      System.clearProperty("pgisolate.url");
    }
  }

  /**
   * The extension reads its settings from junit-platform.properties; the driver reads the same
   * file, so that both reach one server (before, the driver started a cluster of its own).
   */
  @Test
  void theServerNamedInJunitPlatformPropertiesIsTheDriversToo(@TempDir Path resources)
      throws Exception {
    try (TempCluster existing = TempCluster.builder().start()) {
      Files.writeString(
          resources.resolve("junit-platform.properties"), "pgisolate.url=" + existing.uri() + "\n");
      Process child =
          driverUser(
                  resources + File.pathSeparator + System.getProperty("java.class.path"),
                  List.of(),
                  "jdbc:pgisolate:///from_properties?" + SCHEMA)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      try {
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child exited").isTrue();
        assertThat(firstLine(child)).matches("from_properties_[0-9a-f]{8}_1");
        assertThat(child.exitValue()).isZero();
      } finally {
        child.destroyForcibly();
      }
    }
  }

  @Test
  void aVersionInJunitPlatformPropertiesIsTheDriversDefault(@TempDir Path resources)
      throws Exception {
    Files.writeString(resources.resolve("junit-platform.properties"), "pgisolate.pg.version=3\n");
    assertThat(
            failingChildOutput(
                resources + File.pathSeparator + System.getProperty("java.class.path"),
                "jdbc:pgisolate:///versioned?" + SCHEMA))
        .contains("no temporary cluster of pgisolate.pg.version=3 (junit-platform.properties)");
  }

  private static Process child(TempCluster server, String... args) throws Exception {
    return driverUser(
            System.getProperty("java.class.path"), List.of("-Dpgisolate.url=" + server.uri()), args)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  /** What a child JVM that connects to {@code url} and fails prints. */
  private static String failingChildOutput(String classpath, String url) throws Exception {
    Process child = driverUser(classpath, List.of(), url).redirectErrorStream(true).start();
    try {
      String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child exited").isTrue();
      assertThat(child.exitValue()).isNotZero();
      return output;
    } finally {
      child.destroyForcibly();
    }
  }

  /** A child JVM running {@link DriverUser}. */
  private static ProcessBuilder driverUser(
      String classpath, List<String> properties, String... args) {
    return childJvm(classpath, properties, DriverUser.class, args);
  }

  /** A child JVM running {@code main} with this JVM's java. */
  static ProcessBuilder childJvm(
      String classpath, List<String> properties, Class<?> main, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(properties);
    command.addAll(List.of("-cp", classpath, main.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  /** The child's first line: the database it reached. */
  private static String firstLine(Process child) throws Exception {
    return new java.io.BufferedReader(
            new java.io.InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))
        .readLine();
  }

  private static void assertFailsWith(String url, String... parts) {
    assertThatThrownBy(() -> DriverManager.getConnection(url).close())
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("secret"))
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08001"))
        .hasMessageStartingWith(parts[0])
        .hasMessageContainingAll(parts);
  }

  /** Nothing left on the JVM's cluster: no database of that name, no half-built template. */
  private static void assertNoDatabase(String name) throws SQLException {
    PgServer server = JvmServer.get(Optional.empty(), Optional.empty()).server();
    try (Connection admin = server.connect("postgres")) {
      assertThat(databases(admin, name)).isEmpty();
      assertThat(databases(admin, "pgi_t_")).noneMatch(d -> d.endsWith("_building"));
    }
  }

  private static List<String> databases(Connection admin, String prefix) throws SQLException {
    List<String> names = new ArrayList<>();
    try (PreparedStatement ps =
        admin.prepareStatement("select datname from pg_database where starts_with(datname, ?)")) {
      ps.setString(1, prefix);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
    }
    return names;
  }

  static String string(Connection c, String sql) throws SQLException {
    try (ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
