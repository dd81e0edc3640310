package io.pgisolate.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.cluster.TempCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@link PgServer#prepareLongLivedSession} sets on a lock-holding session, as the server sees
 * it: the server-wide idle timeouts are short here, so the session must be exempt from them, and it
 * must probe a vanished client within seconds.
 */
class LongLivedSessionIT {

  private static TempCluster cluster;

  @BeforeAll
  static void start() {
    cluster =
        TempCluster.builder()
            .setting("idle_session_timeout", "300ms")
            .setting("idle_in_transaction_session_timeout", "300ms")
            .setting("tcp_keepalives_idle", "7200")
            .start();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void overTcpTheSessionOutlivesIdleTimeoutsAndProbesItsClientWithinSeconds() throws Exception {
    try (Connection session = cluster.server().connect("postgres")) {
      PgServer.prepareLongLivedSession(session);
      assertThat(settings(session))
          .containsEntry("idle_session_timeout", "0")
          .containsEntry("idle_in_transaction_session_timeout", "0")
          .containsEntry("transaction_timeout", "0")
          .containsEntry("tcp_keepalives_idle", "10")
          .containsEntry("tcp_keepalives_interval", "5")
          .containsEntry("tcp_keepalives_count", "3");
      assertThat(PgServer.LOST_CLIENT_SECONDS).isEqualTo(25);
    }
  }

  private static Map<String, String> settings(Connection session) throws Exception {
    Map<String, String> values = new LinkedHashMap<>();
    try (Statement st = session.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT name, setting FROM pg_settings WHERE name LIKE 'tcp_keepalives_%'"
                    + " OR name LIKE '%idle%timeout' OR name = 'transaction_timeout'")) {
      while (rs.next()) {
        values.put(rs.getString(1), rs.getString(2));
      }
    }
    return values;
  }
}
