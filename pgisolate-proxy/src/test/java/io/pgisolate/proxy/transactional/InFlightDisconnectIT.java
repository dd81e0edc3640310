package io.pgisolate.proxy.transactional;

import static io.pgisolate.proxy.transactional.TransactionalFixture.awaitLockWait;
import static io.pgisolate.proxy.transactional.TransactionalFixture.ids;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.proxy.protocol.frontend.Query;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
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
}
