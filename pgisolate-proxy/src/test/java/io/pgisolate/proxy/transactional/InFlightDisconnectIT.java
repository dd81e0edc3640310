package io.pgisolate.proxy.transactional;

import static io.pgisolate.proxy.transactional.TransactionalFixture.awaitLockWait;
import static io.pgisolate.proxy.transactional.TransactionalFixture.ids;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.proxy.protocol.frontend.Bind;
import io.pgisolate.proxy.protocol.frontend.Execute;
import io.pgisolate.proxy.protocol.frontend.Flush;
import io.pgisolate.proxy.protocol.frontend.Parse;
import io.pgisolate.proxy.protocol.frontend.Query;
import io.pgisolate.proxy.protocol.frontend.Sync;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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

  @Test
  void aClientGoneBeforeItsCopyStartedLeavesTheSessionInStep() throws Exception {
    try (SharedTransaction test = fixture.begin("copy not started");
        Connection survivor = fixture.proxied("");
        Connection direct = fixture.direct("");
        Connection watcher = fixture.direct("")) {
      survivor.createStatement().execute("INSERT INTO shared VALUES (1)");
      direct.setAutoCommit(false);
      direct.createStatement().execute("LOCK TABLE blocker IN ACCESS EXCLUSIVE MODE");
      try (RawClient copier = new RawClient(fixture)) {
        copier.send(new Query("COPY blocker FROM STDIN"));
        awaitLockWait(watcher);
      } // a reset, before the server is ready for its data
      fixture.awaitClients(2);
      direct.commit(); // now the server starts the COPY of a client that has gone

      survivor.createStatement().execute("INSERT INTO shared VALUES (2)");
      assertThat(ids(survivor)).containsExactly(1, 2);
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
