package io.pgisolate.proxy.transactional;

import static io.pgisolate.proxy.transactional.TransactionalFixture.awaitLockWait;
import static io.pgisolate.proxy.transactional.TransactionalFixture.ids;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.proxy.protocol.CopyData;
import io.pgisolate.proxy.protocol.CopyDone;
import io.pgisolate.proxy.protocol.frontend.Bind;
import io.pgisolate.proxy.protocol.frontend.Execute;
import io.pgisolate.proxy.protocol.frontend.Flush;
import io.pgisolate.proxy.protocol.frontend.Parse;
import io.pgisolate.proxy.protocol.frontend.Query;
import io.pgisolate.proxy.protocol.frontend.Sync;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that disconnects while its unit is still on its way through the server: what the server
 * answers after the client has gone (the start of a COPY, a test opened, a transaction begun) is
 * still the client's, and undone, so that the session goes on for the others.
 *
 * <p>A direct session holding a lock on table {@code blocker} keeps the unit waiting on the server
 * while the client goes. The wait timeout is short: a session left stuck fails the test quickly.
 */
@Timeout(120)
class InFlightDisconnectIT {
  /** Each test's own: a session a test leaves stuck holds locks the next one would wait for. */
  TransactionalFixture fixture;

  @BeforeEach
  void start() throws SQLException {
    fixture = new TransactionalFixture(Duration.ofSeconds(5));
    fixture.emptySharedTable();
    try (Connection connection = fixture.direct("");
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE blocker (x int)");
    }
  }

  @AfterEach
  void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  /** In a simple query, or in the extended protocol, where the Sync behind it is ignored. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aClientGoneBeforeItsCopyStartedLeavesTheSessionInStep(boolean extended) throws Exception {
    try (SharedTransaction test = fixture.begin("copy not started");
        Connection survivor = fixture.proxied("");
        Connection direct = fixture.direct("");
        Connection watcher = fixture.direct("")) {
      survivor.createStatement().execute("INSERT INTO shared VALUES (1)");
      direct.setAutoCommit(false);
      direct.createStatement().execute("LOCK TABLE blocker IN ACCESS EXCLUSIVE MODE");
      try (RawClient copier = new RawClient(fixture)) {
        if (extended) {
          sendExtendedCopy(copier);
        } else {
          copier.send(new Query("COPY blocker FROM STDIN"));
        }
        awaitLockWait(watcher);
      } // a reset, before the server is ready for its data
      fixture.awaitClients(2);
      direct.commit(); // now the server starts the COPY of a client that has gone

      survivor.createStatement().execute("INSERT INTO shared VALUES (2)");
      assertThat(ids(survivor)).containsExactly(1, 2);
    }
  }

  /**
   * COPY FROM STDIN in the extended protocol, as libpq's PQexecParams and tokio-postgres send it:
   * Parse, Bind, Execute and Sync at once, before the client knows it is a COPY; the server ignores
   * that Sync in copy mode, and the client sends another after CopyDone.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void anExtendedProtocolCopyWithItsSyncSentAheadWorks(boolean inATest) throws Exception {
    try (Connection other = fixture.proxied("");
        RawClient copier = new RawClient(fixture)) {
      if (inATest) {
        other.createStatement().execute("BEGIN TEST 'extended copy'");
      }
      sendExtendedCopy(copier);
      assertThat(copier.readUntil('G')).containsExactly('1', '2', 'G');
      copier.send(new CopyData("7\n8\n".getBytes(StandardCharsets.UTF_8)));
      copier.send(CopyDone.INSTANCE);
      copier.send(Sync.INSTANCE);
      copier.flush();
      assertThat(copier.readUntil('Z')).containsExactly('C', 'Z');
      copier.send(new Query("SELECT count(*) FROM blocker"));
      copier.flush();
      assertThat(copier.readUntil('Z')).as("in step").containsExactly('T', 'D', 'C', 'Z');

      assertThat(count(other, "blocker")).isEqualTo(2);
      if (inATest) {
        other.createStatement().execute("ROLLBACK TEST 'extended copy'");
        assertThat(count(other, "blocker")).isZero();
      }
    }
  }

  @Test
  void aClientGoneInTheMiddleOfAnExtendedCopyLeavesTheSessionInStep() throws Exception {
    try (SharedTransaction test = fixture.begin("extended copy cut off");
        Connection survivor = fixture.proxied("")) {
      survivor.createStatement().execute("INSERT INTO shared VALUES (1)");
      try (RawClient copier = new RawClient(fixture)) {
        sendExtendedCopy(copier);
        assertThat(copier.readUntil('G')).containsExactly('1', '2', 'G');
        copier.send(new CopyData("7\n".getBytes(StandardCharsets.UTF_8)));
        copier.flush();
      } // a reset, in copy mode
      fixture.awaitClients(2);

      survivor.createStatement().execute("INSERT INTO shared VALUES (2)");
      assertThat(ids(survivor)).containsExactly(1, 2);
      assertThat(count(survivor, "blocker")).isZero();
    }
  }

  private static void sendExtendedCopy(RawClient copier) throws IOException {
    copier.send(new Parse("", "COPY blocker FROM STDIN", new int[0]));
    copier.send(new Bind("", "", new short[0], List.of(), new short[0]));
    copier.send(new Execute("", 0));
    copier.send(Sync.INSTANCE);
    copier.flush();
  }

  private static int count(Connection connection, String table) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + table)) {
      rows.next();
      return rows.getInt(1);
    }
  }

  @Test
  void aTestBegunOnDisconnectRollbackByAClientAlreadyGoneIsRolledBack() throws Exception {
    try (Connection direct = fixture.direct("");
        Connection watcher = fixture.direct("");
        Connection next = fixture.proxied("")) {
      direct.setAutoCommit(false);
      direct.createStatement().execute("LOCK TABLE blocker IN ACCESS EXCLUSIVE MODE");
      try (RawClient owner = new RawClient(fixture)) {
        // The Parse of the first statement waits for the lock; the BEGIN TEST waits behind it.
        owner.send(new Parse("", "SELECT x FROM blocker", new int[0]));
        owner.send(new Bind("", "", new short[0], List.of(), new short[0]));
        owner.send(new Execute("", 0));
        owner.send(new Parse("", "BEGIN TEST 'gone' ON DISCONNECT ROLLBACK", new int[0]));
        owner.send(new Bind("", "", new short[0], List.of(), new short[0]));
        owner.send(new Execute("", 0));
        owner.send(Sync.INSTANCE);
        owner.flush();
        awaitLockWait(watcher);
      } // a reset, before its test is open
      fixture.awaitClients(1);
      direct.commit(); // now the test opens, for a connection that has closed

      // Its connection closed: the test is rolled back, and the next one need not wait for it.
      next.createStatement().execute("BEGIN TEST 'next'");
      next.createStatement().execute("ROLLBACK TEST 'next'");
    }
  }

  @Test
  void aTransactionBegunOutsideATestByAClientGoneMidUnitIsRolledBack() throws Exception {
    try (Connection direct = fixture.direct("")) {
      try (RawClient client = new RawClient(fixture)) {
        client.send(new Parse("", "BEGIN", new int[0]));
        client.send(new Bind("", "", new short[0], List.of(), new short[0]));
        client.send(new Execute("", 0));
        client.send(new Parse("", "INSERT INTO shared VALUES (1)", new int[0]));
        client.send(new Bind("", "", new short[0], List.of(), new short[0]));
        client.send(new Execute("", 0));
        client.send(Flush.INSTANCE);
        client.flush();
        assertThat(client.readUntil('C')).containsExactly('1', '2', 'C');
        assertThat(client.readUntil('C')).containsExactly('1', '2', 'C');
      } // a reset in its transaction, before its Sync
      fixture.awaitClients(0);

      try (Connection app = fixture.proxied("")) {
        app.createStatement().execute("INSERT INTO shared VALUES (2)");
      }
      assertThat(ids(direct)).as("committed, as seen directly").containsExactly(2);
    }
  }
}
