package io.pgisolate.proxy.transactional;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.proxy.protocol.frontend.Bind;
import io.pgisolate.proxy.protocol.frontend.Execute;
import io.pgisolate.proxy.protocol.frontend.Parse;
import io.pgisolate.proxy.protocol.frontend.Query;
import io.pgisolate.proxy.protocol.frontend.Sync;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The unnamed prepared statement used across units, as libpq's {@code PQprepare(conn, "", …)} then
 * {@code PQexecPrepared(conn, "", …)} and pgx's describe-exec mode do: on a session of its own it
 * lasts until the client's next Parse of it or simple Query. On the shared session other clients'
 * statements, and the proxy's own, come in between; the client still executes its own.
 */
@Timeout(120)
class UnnamedStatementIT extends SharedFixtureTests {
  UnnamedStatementIT() {
    super(Duration.ofSeconds(30));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aClientExecutesItsOwnUnnamedStatementWhateverCameBetween(boolean inATest) throws Exception {
    try (RawClient first = new RawClient(fixture);
        RawClient second = new RawClient(fixture)) {
      first.readTimeout(Duration.ofSeconds(10));
      second.readTimeout(Duration.ofSeconds(10));
      if (inATest) {
        second.send(new Query("BEGIN TEST 'unnamed'"));
        second.readUntil('Z');
      }
      first.send(new Parse("", "SELECT 'first'", new int[0]));
      first.send(Sync.INSTANCE);
      first.flush();
      assertThat(first.readUntil('Z')).containsExactly('1', 'Z');
      second.send(new Parse("", "SELECT 'second'", new int[0]));
      second.send(Sync.INSTANCE);
      second.flush();
      assertThat(second.readUntil('Z')).containsExactly('1', 'Z');

      assertThat(executeUnnamed(first)).isEqualTo("first");
      assertThat(executeUnnamed(second)).isEqualTo("second");
      try (RawClient third = new RawClient(fixture)) {
        third.readTimeout(Duration.ofSeconds(10));
        third.send(new Bind("", "", new short[0], List.of(), new short[0]));
        third.send(new Execute("", 0));
        third.send(Sync.INSTANCE);
        third.flush();
        List<RawClient.Received> answer = third.readMessagesUntil('Z');
        assertThat(answer).map(RawClient.Received::type).containsExactly('E', 'Z');
        assertThat(answer.get(0).fields().get('M'))
            .as("a client that parsed none")
            .isEqualTo("unnamed prepared statement does not exist");
      }
      if (inATest) {
        second.send(new Query("ROLLBACK TEST 'unnamed'"));
        second.readUntil('Z');
      }
    }
  }

  /** Binds and executes the unnamed statement; returns the one value of its one row. */
  private static String executeUnnamed(RawClient client) throws IOException {
    client.executePrepared("");
    List<RawClient.Received> answer = client.readMessagesUntil('Z');
    assertThat(answer).map(RawClient.Received::type).containsExactly('2', 'T', 'D', 'C', 'Z');
    byte[] row = answer.get(2).body();
    // DataRow: Int16 columns, Int32 length, the value.
    int length =
        ((row[2] & 0xff) << 24)
            | ((row[3] & 0xff) << 16)
            | ((row[4] & 0xff) << 8)
            | (row[5] & 0xff);
    return new String(row, 6, length, StandardCharsets.UTF_8);
  }
}
