package io.pgisolate.proxy.transactional;

import static io.pgisolate.proxy.transactional.TransactionalFixture.ids;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.proxy.protocol.frontend.Parse;
import io.pgisolate.proxy.protocol.frontend.Sync;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Guests: a client whose unit only prepares is let into the session while its holder sits in a
 * transaction waiting for its program (pgbench -M prepared prepares on one connection while another
 * is in a transaction, and would otherwise wait for itself). It is let in as soon as its unit is
 * complete; if it disconnects in the middle of that unit, its savepoint is undone and the session
 * goes back to the client that lent it, which goes on in its transaction and can lend it again.
 */
@Timeout(120)
class GuestIT {
  static TransactionalFixture fixture;

  @BeforeAll
  static void start() {
    fixture = new TransactionalFixture(Duration.ofSeconds(5));
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aGuestIsLetInOnceItsUnitHasCome() throws Exception {
    fixture.emptySharedTable();
    try (Connection host = fixture.proxied("");
        RawClient guest = new RawClient(fixture)) {
      host.setAutoCommit(false);
      host.createStatement().execute("INSERT INTO shared VALUES (1)");
      // Parse and Sync reach the proxy one by one: at the Parse alone it could not be a guest.
      guest.send(new Parse("g", "SELECT 1", new int[0]));
      guest.send(Sync.INSTANCE);
      guest.flush();
      assertThat(guest.readUntil('Z')).containsExactly('1', 'Z');
      host.commit();
      assertThat(ids(host)).containsExactly(1);
    }
  }

  @Test
  void theHostGoesOnAfterItsGuestLeftMidUnit() throws Exception {
    fixture.emptySharedTable();
    try (Connection direct = fixture.direct("");
        Statement lock = direct.createStatement();
        Connection watcher = fixture.direct("");
        Connection host = fixture.proxied("")) {
      lock.execute("DROP TABLE IF EXISTS blocker; CREATE TABLE blocker (x int)");
      host.setAutoCommit(false);
      host.createStatement().execute("INSERT INTO shared VALUES (1)");

      // The guest's Parse needs a lock on blocker, which a direct session holds: the guest is
      // mid-unit, on the server, when it goes.
      direct.setAutoCommit(false);
      lock.execute("LOCK TABLE blocker IN ACCESS EXCLUSIVE MODE");
      try (RawClient guest = new RawClient(fixture)) {
        guest.send(new Parse("g", "SELECT x FROM blocker", new int[0]));
        guest.send(Sync.INSTANCE);
        guest.flush();
        TransactionalFixture.awaitLockWait(watcher);
      } // a reset
      fixture.awaitClients(1);
      direct.commit();

      host.createStatement().execute("INSERT INTO shared VALUES (2)");
      // Sitting in its transaction, the host lends the session to a new guest as before.
      try (RawClient next = new RawClient(fixture)) {
        next.send(new Parse("n", "SELECT 1", new int[0]));
        next.send(Sync.INSTANCE);
        next.flush();
        assertThat(next.readUntil('Z')).containsExactly('1', 'Z');
      }
      host.commit();
      assertThat(ids(host)).containsExactly(1, 2);
    }
  }
}
