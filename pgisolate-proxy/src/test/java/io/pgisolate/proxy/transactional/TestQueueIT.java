package io.pgisolate.proxy.transactional;

import static io.pgisolate.proxy.transactional.TransactionalFixture.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tests from several clients (test JVMs sharing one proxy) take turns: a BEGIN TEST that comes
 * while another test is open waits for it to end, in arrival order, while the open test's clients
 * go on. (Waits that time out: {@link WaitTimeoutIT}.)
 */
class TestQueueIT {
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

  /**
   * pgjdbc's extended protocol (Parse, Bind, Execute), simple Query, and Bind of a cached Parse.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "preferQueryMode=extended",
        "preferQueryMode=simple",
        "preferQueryMode=extendedCacheEverything&prepareThreshold=1"
      })
  void aSecondBeginTestWaitsUntilTheOpenTestIsRolledBackThenOpensItsOwn(String mode)
      throws Exception {
    try (Connection first = fixture.proxied("");
        Connection second = fixture.proxied(mode);
        Connection other = fixture.proxied("")) {
      // Once outside a test, so that the cached mode's second BEGIN TEST 'B' is a Bind alone.
      second.createStatement().execute("BEGIN TEST 'B'");
      second.createStatement().execute("ROLLBACK TEST 'B'");
      first.createStatement().execute("BEGIN TEST 'A'");
      second.createStatement().execute("INSERT INTO shared VALUES (1)"); // part of test A
      AtomicBoolean rolledBack = new AtomicBoolean();
      CompletableFuture<Boolean> begun =
          fixture.async(
              () -> {
                second.createStatement().execute("BEGIN TEST 'B'");
                return rolledBack.get();
              });
      fixture.awaitTestsWaiting(1);
      // Meanwhile the open test's clients go on: the waiting BEGIN TEST does not hold the session.
      other.createStatement().execute("INSERT INTO shared VALUES (2)");
      assertThat(ids(other)).containsExactly(1, 2);
      assertThat(begun).isNotDone();
      rolledBack.set(true);
      first.createStatement().execute("ROLLBACK TEST 'A'");
      assertThat(begun.get(30, TimeUnit.SECONDS)).as("began after A was rolled back").isTrue();
      assertThat(ids(other)).as("test A is undone, in test B").isEmpty();
      second.createStatement().execute("INSERT INTO shared VALUES (3)");
      other.createStatement().execute("ROLLBACK TEST 'B'");
    }
    try (Connection direct = fixture.direct("")) {
      assertThat(ids(direct)).isEmpty();
    }
  }

  @Test
  void psqlWaitsLikewise() throws Exception {
    try (Connection control = fixture.proxied("")) {
      control.createStatement().execute("BEGIN TEST 'a'");
      CompletableFuture<String> psql =
          fixture.async(() -> TransactionalProxyIT.psql(fixture.proxy, "BEGIN TEST 'b'"));
      fixture.awaitTestsWaiting(1);
      assertThat(psql).isNotDone();
      control.createStatement().execute("ROLLBACK TEST 'a'");
      assertThat(psql.get(30, TimeUnit.SECONDS)).contains("BEGIN");
      // psql has gone; its test stays open until a connection ends it.
      assertThatThrownBy(() -> control.createStatement().execute("ROLLBACK TEST 'a'"))
          .hasMessageContaining("test 'a' is not open; the open test is 'b'");
      control.createStatement().execute("ROLLBACK TEST 'b'");
    }
  }

  @Test
  void aClientThatDisconnectsWhileWaitingIsDroppedFromTheQueue() throws Exception {
    try (Connection control = fixture.proxied("")) {
      control.createStatement().execute("BEGIN TEST 'open'");
      Connection quitter = fixture.proxied("");
      CompletableFuture<Boolean> waiting =
          fixture.async(() -> quitter.createStatement().execute("BEGIN TEST 'never'"));
      fixture.awaitTestsWaiting(1);
      quitter.abort(Runnable::run); // the socket goes, no Terminate
      fixture.awaitTestsWaiting(0);
      assertThatThrownBy(() -> waiting.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
      control.createStatement().execute("INSERT INTO shared VALUES (1)");
      control.createStatement().execute("ROLLBACK TEST 'open'");
      // Nobody's test began in its place.
      assertThatThrownBy(() -> control.createStatement().execute("ROLLBACK TEST"))
          .hasMessageContaining("no test is open");
      try (SharedTransaction next = fixture.begin("next")) {
        assertThat(ids(control)).isEmpty();
      }
    }
  }

  @Test
  void threeWaitingBeginTestsOpenInArrivalOrder() throws Exception {
    List<Connection> waiters = new ArrayList<>();
    try (Connection control = fixture.proxied("")) {
      control.createStatement().execute("BEGIN TEST 'first'");
      List<CompletableFuture<Boolean>> begun = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        Connection waiter = fixture.proxied("ApplicationName=waiter" + i);
        waiters.add(waiter);
        String name = "waiter " + i;
        begun.add(
            fixture.async(() -> waiter.createStatement().execute("BEGIN TEST '" + name + "'")));
        fixture.awaitTestsWaiting(i);
      }
      control.createStatement().execute("ROLLBACK TEST 'first'");
      for (int i = 0; i < 3; i++) {
        begun.get(i).get(30, TimeUnit.SECONDS);
        fixture.awaitTestsWaiting(2 - i);
        for (CompletableFuture<Boolean> later : begun.subList(i + 1, 3)) {
          assertThat(later).isNotDone();
        }
        // The open test is this waiter's: rolled back by name, the next one's turn comes.
        waiters.get(i).createStatement().execute("ROLLBACK TEST 'waiter " + (i + 1) + "'");
      }
    } finally {
      for (Connection waiter : waiters) {
        waiter.close();
      }
    }
  }
}
