package io.pgisolate.proxy.transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.proxy.protocol.frontend.Bind;
import io.pgisolate.proxy.protocol.frontend.Execute;
import io.pgisolate.proxy.protocol.frontend.Parse;
import io.pgisolate.proxy.protocol.frontend.Query;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;

/**
 * What the shared transaction promises beyond single statements: clients cannot hurt each other
 * (errors, settings, refused statements, clients that die mid-way, cancels, a client that holds the
 * session too long), and pgbench runs through it without failures and leaves nothing behind.
 */
class SharedTransactionIT {
  static TransactionalFixture fixture;

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

  @BeforeEach
  void table() throws SQLException {
    fixture.emptySharedTable();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "PREPARE TRANSACTION 'x'",
        "COMMIT PREPARED 'x'",
        "BEGIN ISOLATION LEVEL SERIALIZABLE",
        "START TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        "VACUUM shared",
        "CREATE DATABASE never",
        "LISTEN channel",
        "DISCARD ALL",
        "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE"
      })
  void refusedClearlyAndTheSharedTransactionSurvives(String sql) throws Exception {
    try (SharedTransaction test = fixture.begin("refused");
        Connection other = fixture.proxied("");
        Connection client = fixture.proxied("");
        Statement statement = client.createStatement()) {
      other.createStatement().execute("INSERT INTO shared VALUES (1)");
      assertThatThrownBy(() -> statement.execute(sql))
          .isInstanceOf(SQLException.class)
          .satisfies(
              e ->
                  assertThat(e.getMessage())
                      .containsAnyOf(
                          "cannot be part of a test",
                          "inside the shared test transaction",
                          "cannot be used in a test",
                          "notifications are delivered at commit",
                          "would affect every client")
                      .doesNotContain("current transaction is aborted"));
      assertThat(count(statement)).as("the other client's row").isEqualTo(1);
      statement.execute("INSERT INTO shared VALUES (2)");
      assertThat(count(other.createStatement())).isEqualTo(2);
    }
    assertThat(count(fixture.direct("").createStatement())).as("after ROLLBACK TEST").isZero();
  }

  @Test
  void settingsAndTheirReportsStayWithTheClient() throws Exception {
    try (SharedTransaction test = fixture.begin("settings");
        Connection first = fixture.proxied("ApplicationName=first&options=-c%20work_mem=3MB");
        Connection second = fixture.proxied("ApplicationName=second")) {
      assertThat(show(first, "application_name")).isEqualTo("first");
      assertThat(show(first, "work_mem")).isEqualTo("3MB");
      assertThat(show(second, "application_name")).isEqualTo("second");
      assertThat(show(second, "work_mem")).isEqualTo("4MB");
      first.createStatement().execute("SET search_path = nowhere, public");
      first.createStatement().execute("SET application_name = 'renamed'");
      assertThat(show(second, "search_path")).isEqualTo("\"$user\", public");
      assertThat(show(first, "search_path")).isEqualTo("nowhere, public");
      // ParameterStatus reached only the client that changed the reported parameter.
      assertThat(((PGConnection) first).getParameterStatus("application_name"))
          .isEqualTo("renamed");
      assertThat(((PGConnection) second).getParameterStatus("application_name"))
          .isEqualTo("second");
      // A setting made in a transaction that rolled back is gone, for the client too.
      first.setAutoCommit(false);
      first.createStatement().execute("SET work_mem = '5MB'");
      first.rollback();
      first.setAutoCommit(true);
      assertThat(show(first, "work_mem")).isEqualTo("3MB");
    }
  }

  /**
   * A SET sent in one Sync with a statement that fails (pgjdbc's batch in autocommit) is undone by
   * the server with the rest of that implicit transaction: the client must not get it back when its
   * settings are replayed after another client's turn.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aSetUndoneWithAFailingBatchIsNotReplayed(boolean inATest) throws Exception {
    try (SharedTransaction test = inATest ? fixture.begin("batch") : null;
        Connection first = fixture.proxied("");
        Connection other = fixture.proxied("ApplicationName=other")) {
      Statement batch = first.createStatement();
      batch.addBatch("SET work_mem = '7MB'");
      batch.addBatch("INSERT INTO no_such_table VALUES (1)");
      assertThatThrownBy(batch::executeBatch).isInstanceOf(SQLException.class);
      assertThat(show(first, "work_mem")).as("the server undid it").isEqualTo("4MB");
      assertThat(show(other, "work_mem")).isEqualTo("4MB");
      assertThat(show(first, "work_mem")).as("after another's turn").isEqualTo("4MB");
    }
  }

  /** A SET undone by ROLLBACK TO SAVEPOINT is undone for good, even if the transaction commits. */
  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void aSetRolledBackToASavepointIsNotReplayed(String mode) throws Exception {
    try (SharedTransaction test = fixture.begin("savepoint");
        Connection first = fixture.proxied("preferQueryMode=" + mode);
        Connection other = fixture.proxied("ApplicationName=other")) {
      first.setAutoCommit(false);
      Statement statement = first.createStatement();
      statement.execute("SET work_mem = '6MB'");
      Savepoint savepoint = first.setSavepoint("a");
      statement.execute("SET work_mem = '7MB'");
      first.rollback(savepoint);
      first.commit();
      first.setAutoCommit(true);
      assertThat(show(first, "work_mem")).isEqualTo("6MB");
      assertThat(show(other, "work_mem")).isEqualTo("4MB");
      assertThat(show(first, "work_mem")).as("after another's turn").isEqualTo("6MB");
    }
  }

  /**
   * Outside a test too, a client's SET is its own: not seen by a client with the same start-up
   * settings (which the proxy would not replay for), nor lost when another client's turn replays
   * that one's settings; and it is still the client's in a test begun afterwards.
   */
  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void settingsMadeOutsideATestStayWithTheClient(String mode) throws Exception {
    String defaultPath = "\"$user\", public";
    try (Connection first = fixture.proxied("preferQueryMode=" + mode);
        Connection twin = fixture.proxied("preferQueryMode=" + mode);
        Connection other = fixture.proxied("ApplicationName=other")) {
      first.createStatement().execute("SET search_path = nowhere, public");
      assertThat(show(twin, "search_path")).as("same start-up settings").isEqualTo(defaultPath);
      assertThat(show(first, "search_path")).isEqualTo("nowhere, public");
      assertThat(show(other, "search_path")).isEqualTo(defaultPath);
      assertThat(show(first, "search_path"))
          .as("after another's turn")
          .isEqualTo("nowhere, public");
      first.createStatement().execute("RESET search_path");
      assertThat(show(first, "search_path")).isEqualTo(defaultPath);
      // In a transaction block of its own it is the client's until the block ends, as ever.
      first.setAutoCommit(false);
      first.createStatement().execute("SET search_path = elsewhere, public");
      assertThat(show(first, "search_path")).isEqualTo("elsewhere, public");
      first.rollback();
      first.setAutoCommit(true);
      first.createStatement().execute("SET search_path = nowhere, public");
      try (SharedTransaction test = fixture.begin("settings made before")) {
        assertThat(show(twin, "search_path")).isEqualTo(defaultPath);
        assertThat(show(first, "search_path")).isEqualTo("nowhere, public");
      }
    }
  }

  /**
   * Outside a test, a SET in a transaction block of the client's own becomes the client's when the
   * block commits; ROLLBACK undoes it, ROLLBACK TO SAVEPOINT undoes those made after the savepoint,
   * and so does COMMIT of a failed block (which rolls back). What the client kept is not seen by a
   * client with the same start-up settings, nor lost after another client's turn; what it undid is
   * not replayed. Modes: pgjdbc with autocommit off, in each protocol, and each block sent as one
   * simple query.
   */
  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended", "one query"})
  void setsInATransactionOutsideATestAreTheClientsOnlyOnceCommitted(String mode) throws Exception {
    try (Connection first = fixture.proxied(queryMode(mode));
        Connection twin = fixture.proxied(queryMode(mode));
        Connection other = fixture.proxied("ApplicationName=other")) {
      ownTransaction(first, mode, "SET work_mem = '5MB'", "COMMIT");
      assertWorkMem("committed", "5MB", first, twin, other);
      ownTransaction(first, mode, "SET work_mem = '9MB'", "ROLLBACK");
      assertWorkMem("rolled back", "5MB", first, twin, other);
      ownTransaction(
          first,
          mode,
          "SET work_mem = '6MB'",
          "SAVEPOINT a",
          "SET work_mem = '7MB'",
          "ROLLBACK TO SAVEPOINT a",
          "COMMIT");
      assertWorkMem("rolled back to the savepoint", "6MB", first, twin, other);
      assertThatThrownBy(() -> ownTransaction(first, mode, "SET work_mem = '8MB'", "SELECT 1/0"))
          .hasMessageContaining("division by zero");
      commitFailed(first, mode);
      assertWorkMem("the failed transaction's", "6MB", first, twin, other);
    }
  }

  /**
   * {@code first}'s work_mem is {@code expected}, before and after another client's turn; {@code
   * twin}, with the same start-up settings, and {@code other} have the default.
   */
  private static void assertWorkMem(
      String after, String expected, Connection first, Connection twin, Connection other)
      throws SQLException {
    assertThat(show(first, "work_mem")).as(after).isEqualTo(expected);
    assertThat(show(twin, "work_mem")).as("same start-up settings").isEqualTo("4MB");
    assertThat(show(other, "work_mem")).isEqualTo("4MB");
    assertThat(show(first, "work_mem")).as(after + ", after another's turn").isEqualTo(expected);
  }

  private static String queryMode(String mode) {
    return mode.equals("extended") ? "" : "preferQueryMode=simple";
  }

  /**
   * Runs {@code statements} in a transaction block of the client's own: in mode "one query" all in
   * one simple query behind BEGIN; otherwise each apart with autocommit off, as pgjdbc's
   * applications do, and a last COMMIT or ROLLBACK as pgjdbc's commit() or rollback(). A block not
   * ended by its last statement stays open (autocommit off) for {@link #commitFailed}.
   */
  private static void ownTransaction(Connection client, String mode, String... statements)
      throws SQLException {
    if (mode.equals("one query")) {
      client.createStatement().execute("BEGIN; " + String.join("; ", statements));
      return;
    }
    client.setAutoCommit(false);
    for (String sql : statements) {
      switch (sql) {
        case "COMMIT" -> client.commit();
        case "ROLLBACK" -> client.rollback();
        default -> client.createStatement().execute(sql);
      }
    }
    String last = statements[statements.length - 1];
    if (last.equals("COMMIT") || last.equals("ROLLBACK")) {
      client.setAutoCommit(true);
    }
  }

  /** COMMIT of the client's failed block, which rolls back (and succeeds, saying ROLLBACK). */
  private static void commitFailed(Connection client, String mode) throws SQLException {
    if (mode.equals("one query")) {
      client.createStatement().execute("COMMIT");
      return;
    }
    client.commit();
    client.setAutoCommit(true);
  }

  /**
   * Outside a test as in one: a connection pool's DISCARD ALL, sent when it takes a connection
   * back, would drop every client's prepared statements from the one server session.
   */
  @ParameterizedTest
  @ValueSource(strings = {"DISCARD ALL", "DISCARD PLANS", "DEALLOCATE ALL"})
  void resetsOfTheWholeSessionAreRefusedOutsideATestToo(String sql) throws Exception {
    try (Connection prepared = fixture.proxied("prepareThreshold=1");
        Connection pool = fixture.proxied("");
        PreparedStatement query = prepared.prepareStatement("SELECT count(*) FROM shared")) {
      query.executeQuery().close();
      query.executeQuery().close(); // now a named statement on the shared session
      for (boolean inATest : new boolean[] {false, true}) {
        try (SharedTransaction test = inATest ? fixture.begin("reset") : null) {
          assertThatThrownBy(() -> pool.createStatement().execute(sql))
              .isInstanceOfSatisfying(
                  org.postgresql.util.PSQLException.class,
                  e -> {
                    assertThat(e.getSQLState()).isEqualTo("0A000");
                    assertThat(e.getServerErrorMessage().getMessage())
                        .startsWith(sql.replace(" PLANS", "") + " ")
                        .contains("would affect every client");
                    assertThat(e.getServerErrorMessage().getHint()).isNotBlank();
                  });
          try (ResultSet rows = query.executeQuery()) {
            assertThat(rows.next()).as("the other client's prepared statement").isTrue();
          }
        }
      }
    }
  }

  @Test
  void misusedTestCommandsSayWhatIsWrong() throws Exception {
    try (Connection client = fixture.proxied("");
        Statement statement = client.createStatement()) {
      assertThatThrownBy(() -> statement.execute("ROLLBACK TEST 'none'"))
          .hasMessageContaining("ERROR: no test is open")
          .hasMessageContaining("Hint: BEGIN TEST 'name' opens one");
      try (Connection simple = fixture.proxied("preferQueryMode=simple")) {
        // One Query message (pgjdbc's extended mode would send the two statements apart).
        assertThatThrownBy(() -> simple.createStatement().execute("SELECT 1; BEGIN TEST 'x'"))
            .hasMessageContaining(
                "ERROR: BEGIN TEST and ROLLBACK TEST must be sent on their own, not with other"
                    + " statements");
      }
      client.setAutoCommit(false);
      statement.execute("SELECT 1");
      assertThatThrownBy(() -> statement.execute("BEGIN TEST 'in a transaction'"))
          .hasMessageContaining("ERROR: BEGIN TEST cannot run inside a transaction")
          .hasMessageContaining("Hint: end the transaction with COMMIT or ROLLBACK first");
      client.rollback();
      client.setAutoCommit(true);
      try (SharedTransaction test = SharedTransaction.begin(client, "open");
          Connection other = fixture.proxied("")) {
        assertThatThrownBy(() -> statement.execute("ROLLBACK TEST 'other'"))
            .hasMessageContaining("ERROR: test 'other' is not open; the open test is 'open'");
        // In its own test a client would wait for itself; another client does so inside a
        // transaction of its own (BEGIN TEST elsewhere waits for the test to end: TestQueueIT).
        assertThatThrownBy(() -> statement.execute("BEGIN TEST 'second'"))
            .hasMessageContaining("ERROR: test 'open' is already open")
            .hasMessageContaining("Hint: end it with ROLLBACK TEST first");
        other.setAutoCommit(false);
        other.createStatement().execute("SELECT 1");
        assertThatThrownBy(() -> other.createStatement().execute("BEGIN TEST 'second'"))
            .hasMessageContaining("ERROR: test 'open' is already open");
        other.rollback();
        assertThatThrownBy(() -> SharedTransaction.begin(client, "again"))
            .hasMessageContaining("test 'open' is already open")
            .hasMessageContaining("Hint: this connection's own test is still open");
      }
    }
  }

  @Test
  void aClientKilledMidTransactionIsRolledBackAndOthersGoOn() throws Exception {
    try (SharedTransaction test = fixture.begin("killed");
        Connection survivor = fixture.proxied("")) {
      survivor.createStatement().execute("INSERT INTO shared VALUES (1)");
      Connection victim = fixture.proxied("");
      victim.setAutoCommit(false);
      victim.createStatement().execute("INSERT INTO shared VALUES (2)");
      victim.abort(Runnable::run); // the socket goes, no Terminate
      assertThat(ids(survivor)).containsExactly(1);
      survivor.createStatement().execute("INSERT INTO shared VALUES (2)");
      assertThat(ids(survivor)).containsExactly(1, 2);
    }
  }

  @Test
  void aClientGoneMidCopyOrMidPipelineLeavesTheSessionInStep() throws Exception {
    try (SharedTransaction test = fixture.begin("mid-copy");
        Connection survivor = fixture.proxied("")) {
      survivor.createStatement().execute("INSERT INTO shared VALUES (1)");
      try (RawClient copier = new RawClient(fixture)) {
        copier.send(new Query("COPY shared FROM STDIN"));
        assertThat(copier.readUntil('G')).contains('G');
        copier.sendRaw('d', "2\n3\n".getBytes(StandardCharsets.UTF_8));
      }
      try (RawClient pipeliner = new RawClient(fixture)) {
        pipeliner.send(new Parse("s", "INSERT INTO shared VALUES (4)", new int[0]));
        pipeliner.send(new Bind("", "s", new short[0], List.of(), new short[0]));
        pipeliner.send(new Execute("", 0));
        pipeliner.flush();
      }
      assertThat(ids(survivor)).containsExactly(1);
    }
  }

  @Test
  void cancelReachesOnlyTheClientWhoseKeyItIs() throws Exception {
    try (SharedTransaction test = fixture.begin("cancel");
        Connection sleeper = fixture.proxied("");
        Connection other = fixture.proxied("")) {
      Statement sleeping = sleeper.createStatement();
      sleeping.setQueryTimeout(1);
      assertThatThrownBy(() -> sleeping.execute("SELECT pg_sleep(30)"))
          .hasMessageContaining("canceling statement due to user request");
      // The other client cancels while the first one's statement runs: it is not cancelled.
      Statement longer = sleeper.createStatement();
      CompletableFuture<Boolean> running =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return longer.execute("SELECT pg_sleep(0.5)");
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              });
      Statement idle = other.createStatement();
      idle.cancel();
      assertThat(running.get(30, TimeUnit.SECONDS)).isTrue();
      sleeping.execute("INSERT INTO shared VALUES (1)");
      assertThat(count(other.createStatement())).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended", "prepared"})
  void pgbenchWritesAndEverythingIsGoneAfterRollbackTest(String mode) throws Exception {
    String host = fixture.proxy.host();
    String port = String.valueOf(fixture.proxy.port());
    String database = fixture.pg.database();
    run(
        List.of(
            "pgbench", "-i", "-s", "1", "-q", "-h", host, "-p", port, "-U", "postgres", database));
    String before = balances();
    String output;
    try (SharedTransaction test = fixture.begin("pgbench " + mode)) {
      output =
          run(
              List.of(
                  "pgbench",
                  "-M",
                  mode,
                  "-c",
                  "8",
                  "-j",
                  "2",
                  "-t",
                  "40",
                  "-n",
                  "-h",
                  host,
                  "-p",
                  port,
                  "-U",
                  "postgres",
                  database));
      try (Connection inside = fixture.proxied("")) {
        assertThat(count(inside, "pgbench_history")).isEqualTo(8 * 40);
      }
    }
    assertThat(output)
        .contains("query mode: " + mode)
        .contains("number of transactions actually processed: 320/320")
        .contains("number of failed transactions: 0");
    assertThat(balances()).isEqualTo(before);
    try (Connection direct = fixture.direct("")) {
      assertThat(count(direct, "pgbench_history")).isZero();
    }
  }

  @Test
  void pgbenchPipelinesThroughTheSharedTransaction(@TempDir Path dir) throws Exception {
    Path script = dir.resolve("pipeline.sql");
    Files.writeString(
        script,
        "\\set id random(1, 1000000)\n\\startpipeline\nINSERT INTO shared VALUES (:id) ON CONFLICT"
            + " DO NOTHING;\nSELECT count(*) FROM shared;\n\\endpipeline\n");
    String output;
    try (SharedTransaction test = fixture.begin("pipeline")) {
      output =
          run(
              List.of(
                  "pgbench",
                  "-M",
                  "extended",
                  "-c",
                  "4",
                  "-t",
                  "50",
                  "-n",
                  "-f",
                  script.toString(),
                  "-h",
                  fixture.proxy.host(),
                  "-p",
                  String.valueOf(fixture.proxy.port()),
                  "-U",
                  "postgres",
                  fixture.pg.database()));
    }
    assertThat(output).contains("number of failed transactions: 0");
    assertThat(count(fixture.direct("").createStatement())).isZero();
  }

  // ---------------------------------------------------------------- helpers

  private static String balances() throws SQLException {
    try (Connection direct = fixture.direct("");
        ResultSet rows =
            direct
                .createStatement()
                .executeQuery(
                    "SELECT (SELECT sum(abalance) FROM pgbench_accounts) || '/'"
                        + " || (SELECT sum(bbalance) FROM pgbench_branches)")) {
      rows.next();
      return rows.getString(1);
    }
  }

  private static int count(Connection connection, String table) throws SQLException {
    try (ResultSet rows =
        connection.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private static int count(Statement statement) throws SQLException {
    try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM shared")) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private static List<Integer> ids(Connection connection) throws SQLException {
    List<Integer> ids = new ArrayList<>();
    try (PreparedStatement select =
            connection.prepareStatement("SELECT id FROM shared ORDER BY id");
        ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        ids.add(rows.getInt(1));
      }
    }
    return ids;
  }

  private static String show(Connection connection, String name) throws SQLException {
    try (ResultSet rows = connection.createStatement().executeQuery("SHOW " + name)) {
      rows.next();
      return rows.getString(1);
    }
  }

  static String run(List<String> command) throws IOException, InterruptedException {
    return fixture.run(command);
  }
}
