package io.pgisolate.proxy.transactional;

import static io.pgisolate.proxy.transactional.TransactionalFixture.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.proxy.protocol.frontend.Parse;
import io.pgisolate.proxy.protocol.frontend.Query;
import io.pgisolate.proxy.protocol.frontend.Sync;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client's named prepared statements live on the one shared server session: when the client
 * disconnects they are closed there, whether or not it held the session at that moment, so that a
 * long test run (pools that reconnect, a connection per test) does not pile them up; and closing
 * them never fails the shared transaction, even for a name whose Parse had failed.
 */
class PreparedStatementCleanupIT {
  static final String NAMED = "prepareThreshold=1";

  /** The observer prepares nothing itself. */
  static final String SIMPLE = "preferQueryMode=simple";

  static TransactionalFixture fixture;

  @BeforeAll
  static void start() {
    fixture = new TransactionalFixture(Duration.ofSeconds(30));
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
  void anIdleClientsStatementsAreClosedWhenItDisconnects() throws Exception {
    try (Connection observer = fixture.proxied(SIMPLE)) {
      for (int client = 0; client < 3; client++) {
        List<String> before = preparedStatements(observer);
        List<String> apps;
        try (Connection app = fixture.proxied(NAMED)) {
          selectTwice(app);
          apps = added(before, preparedStatements(observer));
          assertThat(apps).isNotEmpty();
        }
        fixture.awaitClients(1);
        assertThat(preparedStatements(observer))
            .as("after client %d left", client)
            .doesNotContainAnyElementsOf(apps);
      }
    }
  }

  @Test
  void aClientCutOffInATestHasItsStatementsClosedAndTheTestGoesOn() throws Exception {
    try (Connection control = fixture.proxied("");
        Connection observer = fixture.proxied(SIMPLE)) {
      control.createStatement().execute("BEGIN TEST 'cut off'");
      control.createStatement().execute("INSERT INTO shared VALUES (1)");
      List<String> before = preparedStatements(observer);
      Connection app = fixture.proxied(NAMED);
      selectTwice(app);
      List<String> apps = added(before, preparedStatements(observer));
      assertThat(apps).isNotEmpty();
      app.setAutoCommit(false);
      app.createStatement().execute("INSERT INTO shared VALUES (2)");
      // A named statement whose Parse fails: the server never had it.
      assertThatThrownBy(() -> app.prepareStatement("SELEC ?").execute())
          .isInstanceOf(SQLException.class);

      app.abort(Runnable::run); // in a failed transaction, holding the session
      fixture.awaitClients(2);

      assertThat(ids(observer))
          .as("the test's work stays, the app's transaction is undone")
          .containsExactly(1);
      assertThat(preparedStatements(observer)).doesNotContainAnyElementsOf(apps);
      control.createStatement().execute("ROLLBACK TEST 'cut off'");
    }
  }

  /**
   * A name the server never had (its Parse failed) is closed like the others, without an error in
   * the shared test transaction.
   */
  @Test
  void aNamedStatementWhoseParseFailedIsNoTroubleWhenItsClientLeaves() throws Exception {
    try (Connection control = fixture.proxied(SIMPLE)) {
      control.createStatement().execute("BEGIN TEST 'bad parse'");
      control.createStatement().execute("INSERT INTO shared VALUES (1)");
      try (RawClient app = new RawClient(fixture)) {
        app.send(new Query("BEGIN"));
        assertThat(app.readUntil('Z')).containsExactly('C', 'Z');
        app.send(new Parse("bad", "SELEC 1", new int[0]));
        app.send(Sync.INSTANCE);
        app.flush();
        assertThat(app.readUntil('Z')).containsExactly('E', 'Z');
      } // a reset, in its failed transaction
      fixture.awaitClients(1);

      assertThat(ids(control)).as("the shared transaction is fine").containsExactly(1);
      control.createStatement().execute("ROLLBACK TEST 'bad parse'");
    }
  }

  @Test
  void statementsOfAClientThatLeavesDuringAnotherClientsTransactionAreClosedAfterIt()
      throws Exception {
    try (Connection holder = fixture.proxied("");
        Connection observer = fixture.proxied(SIMPLE)) {
      List<String> before = preparedStatements(observer);
      Connection app = fixture.proxied(NAMED);
      selectTwice(app);
      List<String> apps = added(before, preparedStatements(observer));
      holder.setAutoCommit(false);
      holder.createStatement().execute("INSERT INTO shared VALUES (1)");

      app.close(); // while the holder's transaction has the session
      fixture.awaitClients(2);

      holder.commit();
      assertThat(apps).isNotEmpty();
      assertThat(preparedStatements(observer)).doesNotContainAnyElementsOf(apps);
    }
  }

  private static List<String> added(List<String> before, List<String> after) {
    List<String> added = new ArrayList<>(after);
    added.removeAll(before);
    return added;
  }

  private static void selectTwice(Connection connection) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement("SELECT 1 + ?")) {
      for (int i = 0; i < 2; i++) {
        select.setInt(1, i);
        try (ResultSet rows = select.executeQuery()) {
          rows.next();
        }
      }
    }
  }

  /**
   * Named statements on the shared session, as a client of it sees them (but the proxy's own, which
   * it closes before each use).
   */
  private static List<String> preparedStatements(Connection observer) throws SQLException {
    List<String> names = new ArrayList<>();
    try (ResultSet rows =
        observer
            .createStatement()
            .executeQuery(
                "SELECT name FROM pg_prepared_statements WHERE name <> 'pgisolate_own'")) {
      while (rows.next()) {
        names.add(rows.getString(1));
      }
    }
    return names;
  }
}
