package io.pgisolate.template;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.sql.PgServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplatesIT {
  private static TempCluster cluster;
  private static PgServer server;

  @BeforeAll
  static void start() {
    cluster = TempCluster.builder().start();
    server = PgServer.fromUrl(cluster.uri());
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void buildsOnceAndReusesWhileTheContentIsTheSame(@TempDir Path dir) throws Exception {
    Path schema = Files.writeString(dir.resolve("schema.sql"), "create table t (id int);");
    Template first = Templates.ensure(server, InitSource.sql(schema), Duration.ofSeconds(30));
    Template again = Templates.ensure(server, InitSource.sql(schema), Duration.ofSeconds(30));
    assertThat(again.name()).isEqualTo(first.name()).startsWith(Templates.PREFIX);
    assertThat(databases(first.name().substring(0, Templates.PREFIX.length() + 8)))
        .containsExactly(first.name());
    try (Connection c = server.connect("postgres");
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "select datistemplate, datallowconn from pg_database where datname = '"
                        + first.name()
                        + "'")) {
      rs.next();
      assertThat(rs.getBoolean(1)).as("datistemplate").isTrue();
      assertThat(rs.getBoolean(2)).as("datallowconn").isFalse();
    }
  }

  @Test
  void changedContentBuildsANewTemplateAndOldOnesAreDropped(@TempDir Path dir) throws Exception {
    Path schema = dir.resolve("schema.sql");
    List<String> names = new ArrayList<>();
    for (int version = 1; version <= 5; version++) {
      Files.writeString(schema, "create table t" + version + " (id int);");
      names.add(Templates.ensure(server, InitSource.sql(schema), Duration.ofSeconds(30)).name());
    }
    assertThat(names).doesNotHaveDuplicates();
    String sourcePrefix = names.get(0).substring(0, Templates.PREFIX.length() + 8);
    assertThat(databases(sourcePrefix))
        .containsExactlyInAnyOrderElementsOf(names.subList(5 - Templates.KEEP, 5));
  }

  @Test
  void concurrentCallersBuildOnlyOnce() throws Exception {
    AtomicInteger builds = new AtomicInteger();
    InitSource source =
        InitSource.callback(
            "counted",
            "v1-" + System.nanoTime(),
            target -> {
              builds.incrementAndGet();
              try (Statement st = target.connection().createStatement()) {
                st.execute("create table counted (id int); select pg_sleep(0.2)");
              }
            });
    List<CompletableFuture<Template>> calls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      calls.add(
          CompletableFuture.supplyAsync(
              () -> Templates.ensure(server, source, Duration.ofSeconds(30))));
    }
    List<String> names = calls.stream().map(CompletableFuture::join).map(Template::name).toList();
    assertThat(names).containsOnly(names.get(0));
    assertThat(builds).hasValue(1);
  }

  @Test
  void aBuilderKilledMidBuildLeavesNoHalfBuiltDatabaseOnTheServer() throws Exception {
    String name = "killed-" + System.nanoTime();
    killMidBuild(startSlowBuilder(name, "v1"));
    InitSource changed = InitSource.callback(name, "v2", t -> {});
    String sourcePrefix = Templates.PREFIX + Templates.hash(changed.identity(), 4) + "_";
    assertThat(databases(sourcePrefix)).singleElement().asString().endsWith("_building");

    Template rebuilt = ensure(changed);
    assertThat(databases(sourcePrefix)).containsExactly(rebuilt.name());
  }

  @Test
  void aWaiterBuildsAtOnceWhenTheBuilderItWaitsForIsKilled() throws Exception {
    String name = "waited-" + System.nanoTime();
    Process builder = startSlowBuilder(name, "v1");
    InitSource same =
        InitSource.callback(
            name,
            "v1",
            t -> {
              try (Statement st = t.connection().createStatement()) {
                st.execute("create table whole (id int)");
              }
            });
    CompletableFuture<Template> waiter =
        CompletableFuture.supplyAsync(() -> Templates.ensure(server, same, Duration.ofMinutes(5)));
    awaitAdvisoryLockWaiter(Duration.ofSeconds(30));
    long killed = System.nanoTime();
    killMidBuild(builder);

    Template built = waiter.get(30, TimeUnit.SECONDS);
    assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofSeconds(10));
    assertThat(
            inClone(
                built,
                "select string_agg(relname, ',') from pg_class"
                    + " where relname in ('whole', 'half_built')"))
        .isEqualTo("whole");
  }

  /** A {@link SlowBuilder} JVM that has begun building the template of callback source name. */
  private static Process startSlowBuilder(String name, String version) throws IOException {
    Process builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                SlowBuilder.class.getName(),
                cluster.uri(),
                name,
                version)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      assertThat(
              new BufferedReader(
                      new InputStreamReader(builder.getInputStream(), StandardCharsets.UTF_8))
                  .readLine())
          .isEqualTo("building");
      return builder;
    } catch (IOException | RuntimeException | Error e) {
      builder.destroyForcibly();
      throw e;
    }
  }

  private static void killMidBuild(Process builder) throws InterruptedException {
    builder.destroyForcibly(); // SIGKILL
    assertThat(builder.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  /** Waits until a session waits for an advisory lock (a template builder's). */
  private static void awaitAdvisoryLockWaiter(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Connection c = server.connect("postgres")) {
      while (true) {
        try (ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "select count(*) from pg_locks where locktype = 'advisory' and not granted")) {
          rs.next();
          if (rs.getInt(1) > 0) {
            return;
          }
        }
        assertThat(System.nanoTime()).as("a session waits for the build lock").isLessThan(deadline);
        Thread.sleep(10); // polling the server's lock table, bounded by the deadline
      }
    }
  }

  @Test
  void syntaxErrorNamesFileLineAndColumn(@TempDir Path dir) throws Exception {
    Path bad =
        Files.writeString(dir.resolve("bad.sql"), "create table a (id int);\n\ncreate tabel b;\n");
    assertThatThrownBy(() -> Templates.ensure(server, InitSource.sql(bad), Duration.ofSeconds(30)))
        .hasMessageContaining("could not be built: init script " + bad)
        .hasMessageContaining("failed at line 3, column 8: syntax error at or near \"tabel\"");
    assertThat(databases(Templates.PREFIX)).noneMatch(n -> n.endsWith("_building"));
  }

  @Test
  void scriptsRunStatementByStatementAsPsqlRunsThem(@TempDir Path dir) throws Exception {
    Path script =
        write(
            dir.resolve("psql-style.sql"),
            String.join(
                "\n",
                "create type mood as enum ('ok');",
                "alter type mood add value 'happy';",
                "create table f (id int primary key, m mood);",
                "insert into f values (1, 'happy');", // a new enum value, used after its ALTER
                "create index concurrently f_m on f (m);",
                "create table log (id int);",
                "create rule audit as on insert to f do also (insert into log values (new.id);"
                    + " insert into log values (-new.id));",
                "insert into f values (2, 'ok');",
                "vacuum analyze f;"));
    Template t = ensure(InitSource.sql(script));
    assertThat(inClone(t, "select (select count(*) from f) || ',' || (select count(*) from log)"))
        .isEqualTo("2,2");
  }

  @Test
  void anErrorWithoutAPositionNamesTheLineOfItsStatement(@TempDir Path dir) throws Exception {
    Path script =
        write(
            dir.resolve("dup.sql"),
            "create table g (id int primary key);\ninsert into g values (1);\n\n"
                + "  insert into g values (1);\n");
    assertThatThrownBy(() -> ensure(InitSource.sql(script)))
        .hasMessageEndingWith(
            "init script "
                + script
                + " failed at line 4, column 3: duplicate key value violates unique constraint"
                + " \"g_pkey\".");
  }

  @Test
  void psqlMetaCommandsGetAHint(@TempDir Path dir) throws Exception {
    Path script =
        write(dir.resolve("meta.sql"), "create table h (id int);\n\\connect other\nselect 1;\n");
    assertThatThrownBy(() -> ensure(InitSource.sql(script)))
        .hasMessageEndingWith(
            "init script "
                + script
                + " failed at line 2, column 1: syntax error at or near \"\\\". Hint: psql"
                + " meta-commands (\\connect, \\i, \\copy, \\set…) are not SQL; the script"
                + " runs on the server as SQL only.");
  }

  @Test
  void flywayMigrationsBuildTheTemplate() throws Exception {
    Template t =
        Templates.ensure(
            server, InitSource.flyway("classpath:db/migration"), Duration.ofSeconds(60));
    try (ClonePool pool = ClonePool.start(t, ClonePool.Settings.defaults().withReady(1));
        Connection c = pool.acquire().connect();
        ResultSet rs = c.createStatement().executeQuery("select count(*) from item")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(2);
    }
  }

  @Test
  void liquibaseChangelogBuildsTheTemplate() throws Exception {
    Template t =
        Templates.ensure(
            server, InitSource.liquibase("db/liquibase/changelog.sql"), Duration.ofSeconds(60));
    try (ClonePool pool = ClonePool.start(t, ClonePool.Settings.defaults().withReady(1));
        Connection c = pool.acquire().connect();
        ResultSet rs = c.createStatement().executeQuery("select count(*) from person")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(3);
    }
  }

  @Test
  void aChangedMigrationInASubdirectoryOfAClasspathLocationBuildsANewTemplate(@TempDir Path dir)
      throws Exception {
    Path classes = dir.resolve("classes");
    Path nested = write(classes.resolve("db/nested/v2/V2__b.sql"), "create table b (id int);");
    write(classes.resolve("db/nested/V1__a.sql"), "create table a (id int);");
    InitSource source = InitSource.flyway("classpath:db/nested");
    String before = onClasspath(classes, () -> ensure(source)).name();
    Files.writeString(nested, "create table b (id bigint);");
    Template after = onClasspath(classes, () -> ensure(source));
    assertThat(after.name()).isNotEqualTo(before);
    assertThat(columnType(after, "b")).isEqualTo("bigint");
  }

  @Test
  void aChangedChangelogIncludedFromASubdirectoryBuildsANewTemplate(@TempDir Path dir)
      throws Exception {
    Path classes = dir.resolve("classes");
    write(
        classes.resolve("db/changelog/master.yaml"),
        "databaseChangeLog:\n  - include:\n      file: changes/001.sql\n"
            + "      relativeToChangelogFile: true\n");
    Path change =
        write(
            classes.resolve("db/changelog/changes/001.sql"),
            "--liquibase formatted sql\n--changeset me:1\ncreate table c (id int);\n");
    InitSource source = InitSource.liquibase("db/changelog/master.yaml");
    String before = onClasspath(classes, () -> ensure(source)).name();
    Files.writeString(change, Files.readString(change).replace("int", "bigint"));
    Template after = onClasspath(classes, () -> ensure(source));
    assertThat(after.name()).isNotEqualTo(before);
    assertThat(columnType(after, "c")).isEqualTo("bigint");
  }

  @Test
  void filesBesideAChangelogNeedNotBeUtf8(@TempDir Path dir) throws Exception {
    Path changelog =
        write(
            dir.resolve("changelog.sql"),
            "--liquibase formatted sql\n--changeset me:1\ncreate table d (id int);\n");
    Files.write(dir.resolve("cities.csv"), "id,name\n1,K\u00f8ge\n".getBytes(ISO_8859_1));
    Template t = ensure(InitSource.liquibase("file:" + changelog));
    assertThat(columnType(t, "d")).isEqualTo("integer");
  }

  @Test
  void aScriptThatIsNotUtf8IsRefusedNamingTheFileAndLine(@TempDir Path dir) throws Exception {
    byte[] latin1 =
        "create table e (id int);\ninsert into e values (1); -- caf\u00e9\n".getBytes(ISO_8859_1);
    Path file = Files.write(dir.resolve("latin1.sql"), latin1);
    Files.write(Files.createDirectories(dir.resolve("classes/db")).resolve("latin1.sql"), latin1);
    String notUtf8 = " is not UTF-8: line 2, column 33 holds the byte 0xE9. Hint: save it as UTF-8";
    assertThatThrownBy(() -> ensure(InitSource.sql(file)))
        .hasMessageStartingWith("init script " + file + notUtf8);
    assertThatThrownBy(
            () ->
                onClasspath(
                    dir.resolve("classes"), () -> ensure(InitSource.classpath("db/latin1.sql"))))
        .hasMessageStartingWith("init script classpath:db/latin1.sql" + notUtf8);
  }

  @Test
  void sourcesThatNameNothingAreRefusedWithAHint(@TempDir Path dir) throws Exception {
    String cwd = Path.of("").toAbsolutePath().toString();
    Path empty = Files.createDirectory(dir.resolve("empty"));
    Files.writeString(empty.resolve("README.md"), "no scripts here");
    assertThatThrownBy(() -> ensure(InitSource.sql(empty)))
        .hasMessage(
            "directory "
                + empty
                + " holds no .sql files. Hint: name the directory that holds the scripts, or"
                + " the files themselves.");
    assertThatThrownBy(() -> ensure(InitSource.flyway("filesystem:no/such/dir")))
        .hasMessage(
            "Flyway location filesystem:no/such/dir cannot be read: "
                + cwd
                + "/no/such/dir does not exist. Hint: check the path (relative paths start from "
                + cwd
                + ").");
    assertThatThrownBy(() -> ensure(InitSource.liquibase("file:no/such/changelog.xml")))
        .hasMessage(
            "Liquibase changelog file:no/such/changelog.xml cannot be read: "
                + cwd
                + "/no/such does not exist. Hint: check the path (relative paths start from "
                + cwd
                + ").");
  }

  @Test
  void brokenFlywayMigrationNamesTheFileAndLine() {
    assertThatThrownBy(
            () ->
                Templates.ensure(
                    server, InitSource.flyway("classpath:db/broken"), Duration.ofSeconds(60)))
        .hasMessageContaining("migration V2__broken.sql failed at line 3")
        .hasMessageContaining("syntax error at or near \"tabel\"");
  }

  @Test
  void templateLockTimeoutSaysWhatItWaitedFor() throws Exception {
    InitSource source = InitSource.callback("locked", "v-" + System.nanoTime(), t -> {});
    String name =
        Templates.PREFIX
            + Templates.hash(source.identity(), 4)
            + "_"
            + Templates.hash(source.fingerprint(), 8);
    try (Connection holder = server.connect("postgres")) {
      holder.createStatement().execute("select pg_advisory_lock(" + Templates.lockKey(name) + ")");
      assertThatThrownBy(() -> Templates.ensure(server, source, Duration.ofMillis(200)))
          .hasMessageStartingWith(
              "timed out after 200 ms waiting for the lock on template " + name + " on ")
          .hasMessageContaining("(another process is building it). Hint: ");
    }
  }

  @Test
  void unreachableServerSaysWhereItTried() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    PgServer nowhere = new PgServer("127.0.0.1", port, "postgres", "x", "postgres");
    assertThatThrownBy(() -> Templates.ensure(nowhere, InitSource.empty(), Duration.ofSeconds(5)))
        .hasMessageStartingWith(
            "cannot connect to the server at 127.0.0.1:"
                + port
                + " (database postgres, user postgres): ")
        .hasMessageContaining("Hint: check that the server runs there");
  }

  private static Template ensure(InitSource source) {
    return Templates.ensure(server, source, Duration.ofSeconds(60));
  }

  private static Path write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    return Files.writeString(file, text);
  }

  /** Runs {@code work} with {@code classes} on the context class loader, as a test's resources. */
  private static <T> T onClasspath(Path classes, Callable<T> work) throws Exception {
    Thread thread = Thread.currentThread();
    ClassLoader original = thread.getContextClassLoader();
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {classes.toUri().toURL()}, original)) {
      thread.setContextClassLoader(loader);
      return work.call();
    } finally {
      thread.setContextClassLoader(original);
    }
  }

  /** The type of {@code table}'s id column in a clone of {@code template}. */
  private static String columnType(Template template, String table) throws Exception {
    return inClone(
        template,
        "select format_type(atttypid, -1) from pg_attribute where attrelid = '"
            + table
            + "'::regclass and attname = 'id'");
  }

  /** The first column of the first row {@code sql} returns in a clone of {@code template}. */
  private static String inClone(Template template, String sql) throws Exception {
    try (ClonePool pool = ClonePool.start(template, ClonePool.Settings.defaults().withReady(1));
        Connection c = pool.acquire().connect();
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static List<String> databases(String prefix) throws Exception {
    List<String> names = new ArrayList<>();
    try (Connection c = server.connect("postgres");
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "select datname from pg_database where starts_with(datname, '"
                        + prefix
                        + "') order by oid")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }
}
