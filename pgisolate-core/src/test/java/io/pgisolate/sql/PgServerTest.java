package io.pgisolate.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.PgIsolateException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** PgServer's connection error; nothing listens on the port, so no PostgreSQL is needed. */
class PgServerTest {

  @Test
  void connectionErrorNamesWhereItTriedWithoutClaimingWhatRunsThere() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    PgServer nowhere = new PgServer("127.0.0.1", port, "app", "secret", "postgres");
    assertThatThrownBy(() -> nowhere.connect("shop"))
        .isInstanceOf(PgIsolateException.class)
        .hasMessageStartingWith(
            "cannot connect to the server at 127.0.0.1:" + port + " (database shop, user app): ")
        .hasMessageEndingWith(". Hint: check that the server runs there and accepts this user.")
        .hasMessageNotContaining("..") // pgjdbc's "refused. Check that …" ends in a full stop
        .hasMessageNotContaining("PostgreSQL at")
        .hasMessageNotContaining("secret")
        .satisfies(e -> assertThat(e.getMessage().lines()).hasSize(1));
  }

  @Test
  void anIpv6AddressIsBracketedInTheUrlsAndWhenConnecting() {
    PgServer v6 = new PgServer("::1", 1, "app", "", "postgres");
    assertThat(v6.jdbcUrl("shop")).startsWith("jdbc:postgresql://[::1]:1/shop?");
    assertThat(v6.uri("shop")).startsWith("postgresql://app@[::1]:1/shop");
    // Unbracketed, pgjdbc would not take the URL at all ("No suitable driver"): the error must be
    // about reaching ::1 port 1 (refused, or unreachable without IPv6).
    assertThatThrownBy(() -> v6.connect("shop"))
        .isInstanceOf(PgIsolateException.class)
        .hasMessageStartingWith("cannot connect to the server at ::1:1 (database shop, user app): ")
        .hasMessageNotContaining("No suitable driver");
  }
}
