package io.pgisolate.proxy.transactional;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each rewrite rule, seen by psql: the same statements run on a direct connection and through the
 * transactional proxy inside a test, and psql must print exactly the same, warnings, errors (with
 * their positions), command tags and transaction states (psql's AUTOCOMMIT off and
 * ON_ERROR_ROLLBACK depend on them) included.
 */
class PsqlThroughTransactionalProxyIT {
  static TransactionalFixture fixture;
  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    fixture = new TransactionalFixture(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  /** Scripts run with psql -f: psql sends each statement as a query of its own. */
  static Stream<Arguments> scripts() {
    return Stream.of(
        Arguments.of(
            "BEGIN inside a transaction warns, COMMIT and ROLLBACK outside one warn",
            "begin; insert into tt values (1); begin; commit; commit; rollback;"),
        Arguments.of(
            "a failed transaction refuses statements, and COMMIT reports ROLLBACK",
            "begin; insert into tt values (2); select 1/0; select 1; commit; select x from tt;"),
        Arguments.of(
            "an error outside a transaction undoes only its statement",
            "insert into tt values (3); insert into tt values (3); insert into tt values (4);"
                + " select x from tt order by x;"),
        Arguments.of(
            "savepoints need a transaction, and work in one",
            "savepoint a; release a; rollback to a; begin; savepoint s1; insert into tt values (5);"
                + " rollback to s1; insert into tt values (6); release savepoint s1; commit;"
                + " select x from tt;"),
        Arguments.of(
            "ROLLBACK TO a savepoint repairs a failed transaction",
            "begin; savepoint s; select 1/0; rollback to savepoint s; insert into tt values (7);"
                + " commit; select x from tt;"),
        Arguments.of(
            "AND CHAIN, END, ABORT, WORK, TRANSACTION, START TRANSACTION",
            "commit and chain; rollback and chain; begin work; insert into tt values (8); commit"
                + " and chain; insert into tt values (9); rollback and no chain; end transaction;"
                + " abort work; start transaction; insert into tt values (10); end;"
                + " begin; select 1/0; commit and chain; insert into tt values (11); commit;"
                + " select x from tt order by x;"),
        Arguments.of(
            "case, comments and blanks around transaction commands",
            "BeGiN /* c */ ; -- c\n  INSERT into tt values (12);\n/* a */ CoMmIt -- b\n;"
                + " select x from tt;"),
        Arguments.of(
            "SET TRANSACTION outside a transaction warns; READ ONLY transactions",
            "set transaction read only; begin read only; insert into tt values (13); rollback;"
                + " start transaction read only; select count(*) from tt; commit;"
                + " insert into tt values (14); select x from tt;"),
        Arguments.of(
            "VACUUM inside a client transaction fails as PostgreSQL's does",
            "begin; vacuum; rollback; select 1;"),
        Arguments.of(
            "psql AUTOCOMMIT off and ON_ERROR_ROLLBACK",
            "\\set AUTOCOMMIT off\ninsert into tt values (15);\nselect 1/0;\nrollback;\n"
                + "insert into tt values (16);\ncommit;\n\\set ON_ERROR_ROLLBACK on\n"
                + "insert into tt values (17);\nselect 1/0;\ninsert into tt values (18);\ncommit;\n"
                + "\\set AUTOCOMMIT on\nselect x from tt order by x;"),
        Arguments.of(
            "deferred constraints are checked when a client commits, and stay deferred",
            "drop table if exists child, parent; create table parent (id int primary key);"
                + " create table child (parent_id int references parent deferrable initially"
                + " deferred); begin; insert into child values (1); commit; begin; insert into"
                + " child values (2); insert into parent values (2); commit; begin; set"
                + " constraints all immediate; insert into child values (3); rollback;"
                + " select * from child; drop table child, parent;"),
        Arguments.of(
            "session settings stay with the session",
            "set application_name = 'mine'; show application_name; begin; set datestyle = 'SQL';"
                + " rollback; show datestyle; set local work_mem = '1MB'; show work_mem;"
                + " begin; set local work_mem = '2MB'; show work_mem; commit; show work_mem;"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scripts")
  void scriptSeesWhatADirectConnectionSees(String rule, String script) throws Exception {
    Path file = dir.resolve("script.sql");
    Files.writeString(file, script.replace("; ", ";\n"));
    assertSame(List.of("-f", file.toString()));
  }

  /** Each line is one Query message with several statements: psql -c. */
  static Stream<Arguments> queries() {
    return Stream.of(
        Arguments.of(
            "statements of one query form an implicit transaction",
            List.of(
                "insert into tt values (1); insert into tt values (2); select count(*) from tt",
                "insert into tt values (3); select 1/0; insert into tt values (4)",
                "select x from tt order by x")),
        Arguments.of(
            "COMMIT and ROLLBACK inside an implicit transaction warn and end it",
            List.of(
                "insert into tt values (5); commit; insert into tt values (6); select 1/0",
                "insert into tt values (7); rollback; insert into tt values (8)",
                "select x from tt order by x")),
        Arguments.of(
            "BEGIN inside a query makes its implicit transaction explicit",
            List.of(
                "insert into tt values (9); begin; insert into tt values (10); rollback",
                "begin; insert into tt values (11); commit; select count(*) from tt",
                "begin; insert into tt values (12); select 1/0; commit",
                "select x from tt order by x")),
        Arguments.of(
            "a transaction left open by one query goes on in the next",
            List.of(
                "begin; insert into tt values (13)",
                "commit; begin; insert into tt values (14); savepoint a;"
                    + " insert into tt values (15); rollback to a; commit; select x from tt")),
        Arguments.of(
            "errors of AND CHAIN outside a transaction, positions of errors after rewrites",
            List.of(
                "select 1; commit and chain; select 2",
                "insert into tt values (16); rollback and chain; select 3",
                "begin; select 1/0; rollback and chain; insert into tt values (17); commit",
                "begin; commit; select nosuchcolumn from tt",
                "savepoint a; select 1")),
        Arguments.of(
            "empty statements, comments, quoted semicolons",
            List.of(
                "   ;  ; select 42 -- comment",
                "select 'a;b' as \"x;y\", $$;$$ ; /* ; */ select 1",
                "select 1/0 --x")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("queries")
  void querySeesWhatADirectConnectionSees(String rule, List<String> queries) throws Exception {
    List<String> args = new ArrayList<>();
    for (String query : queries) {
      args.add("-c");
      args.add(query);
    }
    assertSame(args);
  }

  @Test
  void copyBothWaysInsideAClientTransaction() throws Exception {
    Path in = dir.resolve("in.tsv");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      rows.append(i).append('\n');
    }
    Files.writeString(in, rows);
    Path out = dir.resolve("out.tsv");
    assertSame(
        List.of(
            "-c",
            "begin",
            "-c",
            "\\copy tt from '" + in + "'",
            "-c",
            "commit",
            "-c",
            "\\copy (select x from tt order by x) to '" + out + "'",
            "-c",
            "\\copy tt from '" + in + "'",
            "-c",
            "select count(*) from tt"));
    assertThat(Files.readString(out)).isEqualTo(rows.toString());
  }

  /** Runs psql directly and through the proxy (in a test) on a fresh table tt; same output. */
  private static void assertSame(List<String> args) throws Exception {
    resetTable();
    String direct = psql(directConnection(), args);
    resetTable();
    String proxied;
    try (SharedTransaction test = fixture.begin("psql")) {
      proxied = psql(proxyConnection(), args);
    }
    assertThat(proxied).isEqualTo(direct);
    try (Connection check = fixture.direct("");
        Statement statement = check.createStatement();
        ResultSet rows = statement.executeQuery("SELECT count(*) FROM tt")) {
      rows.next();
      assertThat(rows.getInt(1)).as("rows left after ROLLBACK TEST").isZero();
    }
  }

  private static void resetTable() throws Exception {
    try (Connection connection = fixture.direct("");
        Statement statement = connection.createStatement()) {
      statement.execute("DROP TABLE IF EXISTS tt; CREATE TABLE tt (x int PRIMARY KEY)");
    }
  }

  private static String directConnection() {
    return "host=" + fixture.pg.host() + " port=" + fixture.pg.port() + " dbname=" + database();
  }

  private static String proxyConnection() {
    return "host="
        + fixture.proxy.host()
        + " port="
        + fixture.proxy.port()
        + " dbname="
        + database();
  }

  private static String database() {
    return fixture.pg.database() + " user=" + fixture.pg.user();
  }

  static String psql(String connection, List<String> args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("psql", "-X", "-e", connection));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("PGPASSWORD", fixture.pg.password());
    builder.environment().put("PGCONNECT_TIMEOUT", "10");
    builder.environment().remove("PGOPTIONS");
    Process process = builder.start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("psql finished").isTrue();
      return output;
    } finally {
      process.destroyForcibly();
    }
  }
}
