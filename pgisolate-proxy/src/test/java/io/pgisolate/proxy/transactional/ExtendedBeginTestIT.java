package io.pgisolate.proxy.transactional;

import static io.pgisolate.proxy.transactional.TransactionalFixture.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.proxy.protocol.frontend.Bind;
import io.pgisolate.proxy.protocol.frontend.Describe;
import io.pgisolate.proxy.protocol.frontend.Execute;
import io.pgisolate.proxy.protocol.frontend.Flush;
import io.pgisolate.proxy.protocol.frontend.Parse;
import io.pgisolate.proxy.protocol.frontend.Query;
import io.pgisolate.proxy.protocol.frontend.Sync;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * BEGIN TEST through the extended protocol as drivers send it when they prepare first and execute
 * later: libpq's PQprepare (Parse, Sync) then PQexecPrepared (Bind, Describe, Execute, Sync),
 * psycopg's pipeline (Parse, then a Flush to read its answer), pgjdbc describing a statement before
 * executing it (Parse, Describe, Sync).
 */
@Timeout(120)
class ExtendedBeginTestIT extends SharedFixtureTests {
  ExtendedBeginTestIT() {
    // Far above the tests' own bounded waits: an answer that comes did not wait it out.
    super(Duration.ofSeconds(60));
  }

  @Test
  void aParseOfBeginTestIsAnsweredAtItsFlush() throws Exception {
    try (RawClient client = new RawClient(fixture);
        Connection other = fixture.proxied("")) {
      client.readTimeout(Duration.ofSeconds(10));
      // Its settings in place on the session: the Parse is all the proxy has to answer.
      client.send(new Query("SELECT 1"));
      client.readUntil('Z');
      client.send(new Parse("bt", "BEGIN TEST 'flushed'", new int[0]));
      client.send(Flush.INSTANCE);
      client.flush();
      assertThat(client.readUntil('1')).containsExactly('1');
      client.send(new Describe('S', "bt"));
      client.send(Flush.INSTANCE);
      client.flush();
      assertThat(client.readUntil('n')).containsExactly('t', 'n');
      client.executePrepared("bt");
      assertThat(client.readUntil('Z')).containsExactly('2', 'n', 'C', 'Z');
      other.createStatement().execute("INSERT INTO shared VALUES (1)");
      other.createStatement().execute("ROLLBACK TEST 'flushed'");
      assertThat(ids(other)).isEmpty();
    }
  }

  /**
   * libpq's PQprepare then PQexecPrepared (pgbench -M prepared does this): preparing runs nothing,
   * so it is answered while another client's test is open; executing waits for that test to end.
   */
  @Test
  void preparingBeginTestDoesNotWaitForTheOpenTestExecutingItDoes() throws Exception {
    try (Connection owner = fixture.proxied("");
        RawClient client = new RawClient(fixture)) {
      owner.createStatement().execute("BEGIN TEST 'open'");
      client.readTimeout(Duration.ofSeconds(10));
      client.send(new Parse("bt", "BEGIN TEST 'prepared'", new int[0]));
      client.send(Sync.INSTANCE);
      client.flush();
      assertThat(client.readUntil('Z')).containsExactly('1', 'Z');
      client.executePrepared("bt");
      fixture.awaitTestsWaiting(1);
      owner.createStatement().execute("INSERT INTO shared VALUES (1)");
      owner.createStatement().execute("ROLLBACK TEST 'open'");
      assertThat(client.readUntil('Z')).containsExactly('2', 'n', 'C', 'Z');
      owner.createStatement().execute("ROLLBACK TEST 'prepared'");
      assertThat(ids(owner)).isEmpty();
    }
  }

  /** pgjdbc asks for the parameters of a statement before executing it: Parse, Describe, Sync. */
  @Test
  void pgjdbcDescribesBeginTestWhileAnotherTestIsOpen() throws Exception {
    try (Connection owner = fixture.proxied("");
        Connection client = fixture.proxied("prepareThreshold=1")) {
      owner.createStatement().execute("BEGIN TEST 'open'");
      PreparedStatement begin = client.prepareStatement("BEGIN TEST 'described'");
      CompletableFuture<Integer> parameters =
          fixture.async(() -> begin.getParameterMetaData().getParameterCount());
      assertThat(parameters.get(10, TimeUnit.SECONDS)).isZero();
      CompletableFuture<Boolean> begun = fixture.async(begin::execute);
      fixture.awaitTestsWaiting(1);
      owner.createStatement().execute("ROLLBACK TEST 'open'");
      begun.get(30, TimeUnit.SECONDS);
      owner.createStatement().execute("ROLLBACK TEST 'described'");
    }
  }

  /**
   * libpq's pipeline mode, as pgbench runs it (-M prepared prepares each statement first): a BEGIN
   * TEST behind other statements of its pipeline opens the test with them in it, as a BEGIN in its
   * place would put them in its transaction; the statements behind it run in the test.
   */
  @ParameterizedTest
  @ValueSource(strings = {"extended", "prepared"})
  void pgbenchPipelinesBeginTestBehindAndAheadOfOtherStatements(String mode, @TempDir Path dir)
      throws Exception {
    Path script = dir.resolve("pipeline.sql");
    Files.writeString(
        script,
        "\\startpipeline\nINSERT INTO shared VALUES (1);\nBEGIN TEST 'pipelined';\n"
            + "INSERT INTO shared VALUES (2);\n\\endpipeline\n");
    assertThat(fixture.pgbench(mode, script)).contains("number of failed transactions: 0");
    try (Connection other = fixture.proxied("")) {
      assertThat(ids(other)).containsExactly(1, 2);
      other.createStatement().execute("ROLLBACK TEST 'pipelined'");
      assertThat(ids(other)).isEmpty();
    }
  }

  /**
   * While another client's test is open, a BEGIN TEST behind other statements of its unit cannot
   * wait for that test to end: those ran already, in that test. It fails, saying so.
   */
  @Test
  void aPipelinedBeginTestThatCannotWaitSaysWhy() throws Exception {
    try (Connection owner = fixture.proxied("");
        RawClient client = new RawClient(fixture)) {
      owner.createStatement().execute("BEGIN TEST 'open'");
      client.readTimeout(Duration.ofSeconds(10));
      execute(client, "INSERT INTO shared VALUES (1)");
      execute(client, "BEGIN TEST 'behind'");
      client.send(Sync.INSTANCE);
      client.flush();
      List<RawClient.Received> answer = client.readMessagesUntil('Z');
      assertThat(answer)
          .map(RawClient.Received::type)
          .containsExactly('1', '2', 'C', '1', '2', 'E', 'Z');
      Map<Character, String> error = answer.get(5).fields();
      assertThat(error.get('C')).isEqualTo("25001");
      assertThat(error.get('M'))
          .startsWith("BEGIN TEST cannot wait here for test 'open' (open for ")
          .endsWith(
              " to end: the statements before it in the same pipeline or batch (up to Sync) have"
                  + " run already, inside that test");
      assertThat(error.get('H')).startsWith("send BEGIN TEST on its own, or first in its pipeline");
      assertThat(ids(owner)).as("the pipeline's statements failed with it").isEmpty();
      owner.createStatement().execute("INSERT INTO shared VALUES (2)");
      owner.createStatement().execute("ROLLBACK TEST 'open'");
      assertThat(ids(owner)).isEmpty();
    }
  }

  /** pgjdbc's batch: one unit. What follows BEGIN TEST is in the test, whatever fails next. */
  @Test
  void aBatchThatBeginsATestRunsItsOtherStatementsInTheTest() throws Exception {
    try (Connection client = fixture.proxied("")) {
      try (Statement batch = client.createStatement()) {
        batch.addBatch("BEGIN TEST 'batch'");
        batch.addBatch("INSERT INTO shared VALUES (1)");
        batch.executeBatch();
      }
      // A failed statement undoes only itself, not the batch's INSERT.
      assertThatThrownBy(() -> client.createStatement().execute("SELECT 1/0"))
          .hasMessageContaining("division by zero");
      assertThat(ids(client)).containsExactly(1);
      client.createStatement().execute("ROLLBACK TEST 'batch'");
      assertThat(ids(client)).isEmpty();
    }
  }

  /** What follows ROLLBACK TEST in a batch runs outside the test, as it would sent on its own. */
  @Test
  void aBatchThatEndsATestRunsItsOtherStatementsAfterIt() throws Exception {
    try (Connection client = fixture.proxied("")) {
      client.createStatement().execute("BEGIN TEST 'batch'");
      client.createStatement().execute("INSERT INTO shared VALUES (1)");
      try (Statement batch = client.createStatement()) {
        batch.addBatch("ROLLBACK TEST 'batch'");
        batch.addBatch("INSERT INTO shared VALUES (2)");
        assertThat(batch.executeBatch()).hasSize(2).endsWith(1);
      }
      assertThat(ids(client)).containsExactly(2);
      assertThatThrownBy(() -> client.createStatement().execute("ROLLBACK TEST"))
          .hasMessageContaining("no test is open");
    }
  }

  private static void execute(RawClient client, String sql) throws IOException {
    client.send(new Parse("", sql, new int[0]));
    client.send(new Bind("", "", new short[0], List.of(), new short[0]));
    client.send(new Execute("", 0));
  }
}
