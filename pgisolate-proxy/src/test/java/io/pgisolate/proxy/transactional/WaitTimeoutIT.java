package io.pgisolate.proxy.transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.proxy.protocol.frontend.Bind;
import io.pgisolate.proxy.protocol.frontend.Execute;
import io.pgisolate.proxy.protocol.frontend.Parse;
import io.pgisolate.proxy.protocol.frontend.Query;
import io.pgisolate.proxy.protocol.frontend.Sync;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client that holds the shared session too long, or a test that stays open too long: the others
 * fail clearly instead of hanging.
 */
class WaitTimeoutIT {
  static TransactionalFixture fixture;

  @BeforeAll
  static void start() throws SQLException {
    fixture = new TransactionalFixture(Duration.ofSeconds(2));
    try (Connection connection = fixture.direct("");
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE shared (id int PRIMARY KEY)");
    }
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aClientHoldingTheSessionTooLongMakesOthersFailClearlyNotHang() throws Exception {
    try (SharedTransaction test = fixture.begin("holder");
        Connection holder = fixture.proxied("ApplicationName=holder");
        Connection waiter = fixture.proxied("")) {
      holder.setAutoCommit(false);
      holder.createStatement().execute("INSERT INTO shared VALUES (1)");
      assertThatThrownBy(() -> waiter.createStatement().execute("SELECT 1"))
          .hasMessageContaining("timed out after 2000 ms waiting for the shared server session")
          .hasMessageContaining("held by client")
          .hasMessageContaining("in a transaction");
      holder.commit();
      assertThat(count(waiter.createStatement())).isEqualTo(1);
    }
  }

  /**
   * A unit whose Sync had not come when its wait ran out: the error goes at once, the rest of the
   * unit is skipped, and its Sync gets the one ReadyForQuery, as from PostgreSQL.
   */
  @Test
  void aUnitTimedOutBeforeItsSyncGetsOneReadyForQuery() throws Exception {
    try (SharedTransaction test = fixture.begin("holder");
        Connection holder = fixture.proxied("ApplicationName=holder");
        RawClient waiter = new RawClient(fixture)) {
      holder.setAutoCommit(false);
      holder.createStatement().execute("SELECT 1");
      waiter.send(new Parse("", "SELECT 2", new int[0]));
      waiter.send(new Bind("", "", new short[0], List.of(), new short[0]));
      waiter.send(new Execute("", 0));
      waiter.flush();
      assertThat(waiter.readUntil('E')).as("the timeout's error, alone").containsExactly('E');
      holder.commit();
      waiter.send(Sync.INSTANCE);
      waiter.flush();
      assertThat(waiter.readUntil('Z')).containsExactly('Z');
      waiter.send(new Query("SELECT 3"));
      assertThat(waiter.readUntil('Z')).as("in step").containsExactly('T', 'D', 'C', 'Z');
    }
  }

  @Test
  void aBeginTestWaitingLongerThanTheWaitTimeoutFailsNamingTheOpenTest() throws Exception {
    try (SharedTransaction test = fixture.begin("left open");
        Connection other = fixture.proxied("");
        Connection waiter = fixture.proxied("")) {
      other.createStatement().execute("INSERT INTO shared VALUES (1)");
      assertThatThrownBy(() -> waiter.createStatement().execute("BEGIN TEST 'next'"))
          .hasMessageContaining(
              "ERROR: timed out after 2000 ms waiting for test 'left open' (open for ")
          .hasMessageMatching("(?s).*\\(open for \\d+ ms\\) to end: BEGIN TEST waits while.*")
          .hasMessageContaining("Hint: a transactional proxy runs one test at a time");
      // The open test and its clients are unaffected, the waiter included.
      assertThat(count(waiter.createStatement())).isEqualTo(1);
      other.createStatement().execute("INSERT INTO shared VALUES (2)");
      assertThat(count(other.createStatement())).isEqualTo(2);
      assertThatThrownBy(() -> SharedTransaction.begin(fixture.proxy.dataSource(), "from Java"))
          .hasMessageContaining("could not begin test 'from Java'")
          .hasMessageContaining("waiting for test 'left open'")
          .hasMessageContaining("raise the wait timeout (--wait-timeout,");
    }
    assertThat(count(fixture.direct("").createStatement())).as("after ROLLBACK TEST").isZero();
  }

  private static int count(Statement statement) throws SQLException {
    try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM shared")) {
      rows.next();
      return rows.getInt(1);
    }
  }
}
