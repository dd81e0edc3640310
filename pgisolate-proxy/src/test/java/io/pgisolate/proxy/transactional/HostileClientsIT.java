package io.pgisolate.proxy.transactional;

import static io.pgisolate.proxy.transactional.TransactionalFixture.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.proxy.protocol.CopyData;
import io.pgisolate.proxy.protocol.CopyDone;
import io.pgisolate.proxy.protocol.frontend.Bind;
import io.pgisolate.proxy.protocol.frontend.Execute;
import io.pgisolate.proxy.protocol.frontend.Parse;
import io.pgisolate.proxy.protocol.frontend.Query;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.util.PSQLException;

/**
 * Clients that misbehave at awkward moments, while other clients are in the middle of something:
 * each misbehaving client affects nothing but itself.
 */
@Timeout(120)
class HostileClientsIT extends SharedFixtureTests {
  HostileClientsIT() {
    super(Duration.ofSeconds(30));
  }

  /**
   * Terminate in the middle of an extended-protocol unit (no Sync), queued while another client's
   * transaction holds the session: the unit is undone when its turn comes, the transaction is not.
   */
  @Test
  void terminateInTheMiddleOfAUnitUndoesOnlyThatUnit() throws Exception {
    try (SharedTransaction test = fixture.begin("terminate mid-unit");
        Connection holder = fixture.proxied("");
        RawClient quitter = new RawClient(fixture)) {
      holder.setAutoCommit(false);
      holder.createStatement().execute("INSERT INTO shared VALUES (1)");
      quitter.send(new Parse("", "INSERT INTO shared VALUES (2)", new int[0]));
      quitter.send(new Bind("", "", new short[0], List.of(), new short[0]));
      quitter.send(new Execute("", 0));
      quitter.sendRaw('X', new byte[0]);
      holder.createStatement().execute("INSERT INTO shared VALUES (3)");
      holder.commit();
      fixture.awaitClients(2);
      holder.setAutoCommit(true);
      assertThat(ids(holder)).containsExactly(1, 3);
    }
  }

  /** The key of a client that has left cancels nothing, whoever runs a statement then. */
  @Test
  void aCancelWithTheKeyOfAClientThatLeftCancelsNothing() throws Exception {
    try (SharedTransaction test = fixture.begin("cancel of the departed");
        Connection sleeper = fixture.proxied("")) {
      RawClient departed = new RawClient(fixture);
      departed.close();
      fixture.awaitClients(2);
      CompletableFuture<Boolean> sleeping =
          fixture.async(() -> sleeper.createStatement().execute("SELECT pg_sleep(0.5)"));
      departed.cancel();
      assertThat(sleeping.get(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  /**
   * ROLLBACK TEST from another connection than BEGIN TEST's, while a third client is in the middle
   * of a COPY: it waits for the COPY to end, then undoes it with the rest.
   */
  @Test
  void rollbackTestFromElsewhereWaitsForACopyUnderWay() throws Exception {
    try (Connection beginner = fixture.proxied("");
        Connection ender = fixture.proxied("");
        RawClient copier = new RawClient(fixture)) {
      beginner.createStatement().execute("BEGIN TEST 'copy under way'");
      copier.send(new Query("COPY shared FROM STDIN"));
      assertThat(copier.readUntil('G')).containsExactly('G');
      copier.send(new CopyData("1\n".getBytes(StandardCharsets.UTF_8)));
      copier.flush();
      CompletableFuture<Boolean> ended =
          fixture.async(() -> ender.createStatement().execute("ROLLBACK TEST 'copy under way'"));
      copier.send(new CopyData("2\n".getBytes(StandardCharsets.UTF_8)));
      copier.send(CopyDone.INSTANCE);
      copier.flush();
      assertThat(copier.readUntil('Z')).containsExactly('C', 'Z');
      ended.get(30, TimeUnit.SECONDS);
      assertThat(ids(beginner)).isEmpty();
    }
    try (Connection direct = fixture.direct("")) {
      assertThat(ids(direct)).isEmpty();
    }
  }

  /**
   * A client that sends a Query in the middle of COPY FROM STDIN breaks the protocol: PostgreSQL
   * fails the COPY and ends the connection. So does the proxy, at once, and the session goes on for
   * the others; in a test, what the COPY read is undone.
   */
  @Test
  void aQueryInTheMiddleOfACopyEndsTheConnectionAsPostgresqlDoes() throws Exception {
    try (SharedTransaction test = fixture.begin("query mid-copy");
        Connection other = fixture.proxied("");
        RawClient copier = new RawClient(fixture)) {
      copier.readTimeout(Duration.ofSeconds(10));
      copier.send(new Query("COPY shared FROM STDIN"));
      assertThat(copier.readUntil('G')).containsExactly('G');
      copier.send(new CopyData("1\n".getBytes(StandardCharsets.UTF_8)));
      copier.send(new Query("SELECT 1"));
      Map<Character, String> error = copier.readMessagesUntil('E').get(0).fields();
      assertThat(error.get('S')).isEqualTo("FATAL");
      assertThat(error.get('C')).isEqualTo("08P01");
      assertThat(error.get('M')).isEqualTo("unexpected message type 0x51 during COPY from stdin");
      assertThatThrownBy(() -> copier.readUntil('Z')).isInstanceOf(EOFException.class);
      fixture.awaitClients(2);
      other.createStatement().execute("INSERT INTO shared VALUES (3)");
      assertThat(ids(other)).containsExactly(3);
    }
  }

  /**
   * A setting after which the server ends an idle session would end the shared one, and every
   * client's test with it: refused, in a test or not, in either protocol; asked for at start-up, it
   * is not applied.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "SET idle_in_transaction_session_timeout = '200ms'",
        "SET SESSION idle_session_timeout TO 200",
        "SET LOCAL transaction_timeout = 200"
      })
  void settingsThatEndAnIdleSessionAreRefused(String set) throws Exception {
    String name = set.replaceFirst("SET (SESSION |LOCAL )?", "").replaceFirst(" .*", "");
    try (Connection simple = fixture.proxied("preferQueryMode=simple");
        Connection extended = fixture.proxied("preferQueryMode=extended");
        Connection guarded = fixture.proxied("options=-c%20" + name + "%3D100")) {
      for (boolean inATest : new boolean[] {false, true}) {
        if (inATest) {
          simple.createStatement().execute("BEGIN TEST 'timeouts'");
        }
        assertRefused(
            List.of(simple, extended),
            set,
            "SET "
                + name
                + " cannot be used through the transactional proxy: it would end"
                + " the session every client shares, and the test open in it,"
                + " once that session sits idle");
        assertThat(scalar(guarded, "SHOW " + name)).isEqualTo("0");
      }
      simple.createStatement().execute("INSERT INTO shared VALUES (1)");
      simple.createStatement().execute("ROLLBACK TEST 'timeouts'");
    }
  }

  /**
   * The function-call ways to end the shared session, set_config() of those settings (for the
   * session or the transaction, which in a test lasts as long as the test) and
   * pg_terminate_backend(pg_backend_pid()), are refused as the SETs are, in either protocol, in a
   * test or not: the test and every other client go on.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT set_config('idle_in_transaction_session_timeout', '1', false)",
        "select pg_catalog.set_config('IDLE_SESSION_TIMEOUT', '1', true) AS t",
        "SELECT 1, set_config ( 'transaction_timeout' , '1' , false )",
        "SELECT pg_terminate_backend(pg_backend_pid())",
        "select pg_catalog.pg_terminate_backend( pg_catalog.pg_backend_pid(), 100 )"
      })
  void functionsThatEndTheSharedSessionAreRefused(String call) throws Exception {
    String what =
        call.contains("set_config")
            ? "set_config('"
                + call.replaceFirst(".*set_config ?\\( ?'([a-zA-Z_]+)'.*", "$1").toLowerCase()
                + "', …)"
            : "pg_terminate_backend(pg_backend_pid())";
    try (Connection simple = fixture.proxied("preferQueryMode=simple");
        Connection extended = fixture.proxied("preferQueryMode=extended");
        Connection other = fixture.proxied("")) {
      for (boolean inATest : new boolean[] {false, true}) {
        if (inATest) {
          simple.createStatement().execute("BEGIN TEST 'session enders'");
          other.createStatement().execute("INSERT INTO shared VALUES (1)");
        }
        assertRefused(
            List.of(simple, extended),
            call,
            what
                + " cannot be used through the transactional proxy: it would end"
                + " the session every client shares, and the test open in it"
                + (what.startsWith("set_config") ? ", once that session sits idle" : ""));
      }
      Thread.sleep(50); // longer than the refused timeouts of 1 ms: the session would be gone
      assertThat(ids(other)).containsExactly(1);
      assertThat(scalar(extended, "SHOW idle_session_timeout")).isEqualTo("0");
      simple.createStatement().execute("ROLLBACK TEST 'session enders'");
      assertThat(ids(other)).isEmpty();
    }
  }

  /** {@code sql} fails on each client with {@code message} (0A000) and a hint. */
  private static void assertRefused(List<Connection> clients, String sql, String message) {
    for (Connection client : clients) {
      assertThatThrownBy(() -> client.createStatement().execute(sql))
          .isInstanceOfSatisfying(
              PSQLException.class,
              e -> {
                assertThat(e.getSQLState()).isEqualTo("0A000");
                assertThat(e.getServerErrorMessage().getMessage()).isEqualTo(message);
                assertThat(e.getServerErrorMessage().getHint()).isNotBlank();
              });
    }
  }

  private static String scalar(Connection connection, String sql) throws SQLException {
    ResultSet rows = connection.createStatement().executeQuery(sql);
    rows.next();
    return rows.getString(1);
  }

  /**
   * In a test, SET SESSION AUTHORIZATION, which RESET ALL does not undo, stays the client's own:
   * the others, and the proxy's own statements, do not run as its role.
   */
  @Test
  void aClientsSessionAuthorizationStaysItsOwn() throws Exception {
    try (Connection direct = fixture.direct("")) {
      direct.createStatement().execute("DROP ROLE IF EXISTS visitor; CREATE ROLE visitor");
    }
    String whoami = "SELECT session_user || '/' || current_user";
    String owner = fixture.pg.user() + "/" + fixture.pg.user();
    try (Connection visitor = fixture.proxied("");
        Connection other = fixture.proxied("")) {
      other.createStatement().execute("BEGIN TEST 'authorization'");
      visitor.createStatement().execute("SET SESSION AUTHORIZATION visitor");
      assertThat(scalar(visitor, whoami)).isEqualTo("visitor/visitor");
      assertThat(scalar(other, whoami)).isEqualTo(owner);
      assertThat(scalar(visitor, whoami)).isEqualTo("visitor/visitor");
      other.createStatement().execute("INSERT INTO shared VALUES (1)");
      other.createStatement().execute("ROLLBACK TEST 'authorization'");
      assertThat(scalar(other, whoami)).as("the test's SETs are rolled back").isEqualTo(owner);
    }
  }
}
