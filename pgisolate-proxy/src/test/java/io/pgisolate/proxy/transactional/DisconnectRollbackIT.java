package io.pgisolate.proxy.transactional;

import static io.pgisolate.proxy.transactional.TransactionalFixture.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code BEGIN TEST 'name' ON DISCONNECT ROLLBACK}: when the connection that began the test closes
 * (its process exited or was killed) before ROLLBACK TEST, the proxy rolls the test back itself,
 * and the BEGIN TESTs waiting for it go on at once instead of waiting out the wait timeout.
 *
 * <p>The wait timeout here is far longer than the tests' own bounded waits, so a waiting BEGIN TEST
 * that completes shows the test was ended, not given up on.
 */
class DisconnectRollbackIT {
  static final long WAIT_SECONDS = 30;
  static TransactionalFixture fixture;

  @BeforeAll
  static void start() {
    fixture = new TransactionalFixture(Duration.ofMinutes(10));
  }

  @BeforeEach
  void table() throws SQLException {
    fixture.emptySharedTable();
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aTestEndsWhenTheConnectionThatBeganItIsCutOff() throws Exception {
    try (Connection owner = fixture.proxied("");
        Connection app = fixture.proxied("");
        Connection next = fixture.proxied("")) {
      owner.createStatement().execute("BEGIN TEST 'cut off' ON DISCONNECT ROLLBACK");
      app.createStatement().execute("INSERT INTO shared VALUES (1)");
      CompletableFuture<Boolean> begun =
          fixture.async(() -> next.createStatement().execute("BEGIN TEST 'next'"));
      fixture.awaitTestsWaiting(1);

      owner.abort(Runnable::run); // the socket goes, no Terminate

      begun.get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(ids(app)).as("the first test's row is rolled back").isEmpty();
      app.createStatement().execute("INSERT INTO shared VALUES (2)");
      next.createStatement().execute("ROLLBACK TEST 'next'");
    }
    assertNothingCommitted();
  }

  @Test
  void aKilledPsqlsTestIsRolledBack() throws Exception {
    try (Connection next = fixture.proxied("")) {
      Process psql =
          new ProcessBuilder("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", fixture.proxy.uri())
              .redirectErrorStream(true)
              .start();
      try {
        Writer input = new OutputStreamWriter(psql.getOutputStream(), StandardCharsets.UTF_8);
        input.write(
            "BEGIN TEST 'psql' ON DISCONNECT ROLLBACK;\n"
                + "INSERT INTO shared VALUES (7);\n"
                + "\\echo inserted\n");
        input.flush();
        BufferedReader output =
            new BufferedReader(
                new InputStreamReader(psql.getInputStream(), StandardCharsets.UTF_8));
        assertThat(output.readLine()).isEqualTo("inserted");
        CompletableFuture<Boolean> begun =
            fixture.async(() -> next.createStatement().execute("BEGIN TEST 'after psql'"));
        fixture.awaitTestsWaiting(1);

        psql.destroyForcibly(); // SIGKILL, by its PID
        assertThat(psql.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

        begun.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(ids(next)).isEmpty();
        next.createStatement().execute("ROLLBACK TEST");
      } finally {
        psql.destroyForcibly();
      }
    }
    assertNothingCommitted();
  }

  /**
   * Another client in a transaction of its own holds the session: it finishes its transaction
   * (inside the test, as always), and the test is rolled back after it, with that work too.
   */
  @Test
  void anotherClientsTransactionFinishesBeforeTheTestIsRolledBack() throws Exception {
    try (Connection owner = fixture.proxied("");
        Connection app = fixture.proxied("");
        Connection next = fixture.proxied("")) {
      owner.createStatement().execute("BEGIN TEST 'owner leaves' ON DISCONNECT ROLLBACK");
      CompletableFuture<Boolean> begun =
          fixture.async(() -> next.createStatement().execute("BEGIN TEST 'next'"));
      fixture.awaitTestsWaiting(1);
      app.setAutoCommit(false);
      app.createStatement().execute("INSERT INTO shared VALUES (1)");

      owner.close();
      fixture.awaitClients(2);

      app.createStatement().execute("INSERT INTO shared VALUES (2)");
      assertThat(ids(app)).containsExactly(1, 2);
      assertThat(begun).as("the app's transaction is still open").isNotDone();
      app.commit();
      begun.get(WAIT_SECONDS, TimeUnit.SECONDS);
      app.setAutoCommit(true);
      assertThat(ids(app)).as("the committed transaction was part of the test").isEmpty();
      next.createStatement().execute("ROLLBACK TEST 'next'");
    }
    assertNothingCommitted();
  }

  @Test
  void aTestEndedBeforeItsConnectionClosesLeavesTheNextTestAlone() throws Exception {
    try (Connection owner = fixture.proxied("");
        Connection other = fixture.proxied("")) {
      owner.createStatement().execute("BEGIN TEST 'first' ON DISCONNECT ROLLBACK");
      owner.createStatement().execute("ROLLBACK TEST 'first'");
      other.createStatement().execute("BEGIN TEST 'second'");
      other.createStatement().execute("INSERT INTO shared VALUES (1)");

      owner.close();
      fixture.awaitClients(1);

      assertThat(ids(other)).as("the second test is still open").containsExactly(1);
      other.createStatement().execute("ROLLBACK TEST 'second'");
    }
    assertNothingCommitted();
  }

  @Test
  void withoutTheClauseATestOutlivesItsConnection() throws Exception {
    try (Connection owner = fixture.proxied("")) {
      owner.createStatement().execute("BEGIN TEST 'kept'");
      owner.createStatement().execute("INSERT INTO shared VALUES (1)");
    }
    fixture.awaitClients(0);
    try (Connection other = fixture.proxied("")) {
      assertThat(ids(other)).containsExactly(1);
      other.createStatement().execute("ROLLBACK TEST 'kept'");
      assertThat(ids(other)).isEmpty();
    }
  }

  @Test
  void sharedTransactionBeginsItsTestsOnDisconnectRollback() throws Exception {
    try (Connection control = fixture.proxied("");
        Connection app = fixture.proxied("");
        Connection next = fixture.proxied("")) {
      SharedTransaction.begin(control, "IT#killed");
      app.createStatement().execute("INSERT INTO shared VALUES (1)");
      CompletableFuture<Boolean> begun =
          fixture.async(() -> next.createStatement().execute("BEGIN TEST 'next'"));
      fixture.awaitTestsWaiting(1);

      control.abort(Runnable::run); // as when the JVM is killed before test.close()

      begun.get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(ids(app)).isEmpty();
      next.createStatement().execute("ROLLBACK TEST 'next'");
    }
    assertNothingCommitted();
  }

  @Test
  void wordsATestCommandDoesNotTakeAreASyntaxErrorAndOpenNoTest() throws Exception {
    try (Connection client = fixture.proxied("")) {
      assertThatThrownBy(
              () -> client.createStatement().execute("BEGIN TEST 'a' ON DISCONNECT COMMIT"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42601"))
          .hasMessageContaining("syntax error at or near \"ON\" in BEGIN TEST")
          .hasMessageContaining("ON DISCONNECT ROLLBACK");
      assertThatThrownBy(() -> client.createStatement().execute("ROLLBACK TEST"))
          .hasMessageContaining("no test is open");
      client.createStatement().execute("BEGIN TEST 'a'");
      assertThatThrownBy(() -> client.createStatement().execute("ROLLBACK TEST 'a' now"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42601"))
          .hasMessageContaining("syntax error at or near \"now\" in ROLLBACK TEST");
      // The failed statement left the open test as it was.
      client.createStatement().execute("ROLLBACK TEST 'a'");
    }
  }

  private static void assertNothingCommitted() throws SQLException {
    try (Connection direct = fixture.direct("")) {
      assertThat(ids(direct)).isEmpty();
    }
  }
}
