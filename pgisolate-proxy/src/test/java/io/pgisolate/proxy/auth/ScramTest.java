package io.pgisolate.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The SCRAM-SHA-256 test vector of RFC 7677 section 3, for both ends. */
class ScramTest {
  static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
  static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
  static final String CLIENT_FINAL =
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
          + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

  @Test
  void serverAcceptsTheRfcClient() {
    ScramServer server = new ScramServer(ScramSha256.keys("pencil", SALT, 4096), SERVER_NONCE);
    assertThat(server.serverFirst("n,,n=user,r=" + CLIENT_NONCE))
        .isEqualTo(
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    assertThat(server.serverFinal(CLIENT_FINAL)).isEqualTo(SERVER_FINAL);
  }

  @Test
  void serverRejectsAWrongPassword() {
    ScramServer server = new ScramServer(ScramSha256.keys("pen", SALT, 4096), SERVER_NONCE);
    server.serverFirst("n,,n=user,r=" + CLIENT_NONCE);
    assertThat(server.serverFinal(CLIENT_FINAL)).isNull();
  }

  @Test
  void serverRefusesChannelBinding() {
    ScramServer server = new ScramServer(ScramSha256.keys("pencil", SALT, 4096), SERVER_NONCE);
    assertThatThrownBy(() -> server.serverFirst("p=tls-server-end-point,,n=,r=abc"))
        .isInstanceOf(AuthenticationFailure.class)
        .hasMessage("channel binding is not supported: the proxy offers SCRAM-SHA-256 without TLS");
  }

  @Test
  void serverRejectsATamperedNonce() {
    ScramServer server = new ScramServer(ScramSha256.keys("pencil", SALT, 4096), SERVER_NONCE);
    server.serverFirst("n,,n=user,r=" + CLIENT_NONCE);
    assertThatThrownBy(() -> server.serverFinal("c=biws,r=other,p=AAAA"))
        .hasMessage("malformed SCRAM message: nonce does not match");
  }

  @Test
  void clientAnswersTheRfcServer() {
    ScramClient client = new ScramClient("pencil", CLIENT_NONCE);
    // PostgreSQL ignores the SCRAM user name, so the proxy sends none; the RFC's has "n=user".
    assertThat(client.clientFirst()).isEqualTo("n,,n=,r=" + CLIENT_NONCE);
    String serverFirst =
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    String clientFinal = client.clientFinal(serverFirst);
    assertThat(clientFinal).startsWith("c=biws,r=" + CLIENT_NONCE + SERVER_NONCE + ",p=");
    // And a server with the same password accepts it and proves itself.
    ScramServer server = new ScramServer(ScramSha256.keys("pencil", SALT, 4096), SERVER_NONCE);
    server.serverFirst(client.clientFirst());
    client.verifyServerFinal(server.serverFinal(clientFinal));
  }

  @Test
  void clientRejectsAServerThatDoesNotKnowThePassword() {
    ScramClient client = new ScramClient("pencil", CLIENT_NONCE);
    client.clientFirst();
    client.clientFinal(
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    assertThatThrownBy(() -> client.verifyServerFinal("v=AAAA"))
        .isInstanceOf(AuthenticationFailure.class)
        .hasMessage("the server's SCRAM signature is invalid: v=AAAA");
  }

  @Test
  void md5ResponseMatchesPostgres() {
    // "md5" + md5(md5("secret" + "alice") in hex + salt), computed independently with Python's
    // hashlib; ProxyClientsIT checks it against pgjdbc as well.
    assertThat(Md5Password.response("alice", "secret", new byte[] {1, 2, 3, 4}))
        .isEqualTo("md598a0412b9c31436fc53776e863350083");
  }

  @Test
  void backendAuthenticatorNamesAMissingPassword() {
    BackendAuthenticator authenticator =
        new BackendAuthenticator("postgres", null, "the backend db:5432");
    assertThatThrownBy(
            () ->
                authenticator.answer(
                    io.pgisolate.proxy.protocol.backend.AuthenticationCleartextPassword.INSTANCE))
        .hasMessage(
            "the backend db:5432 asks the proxy for password authentication of user \"postgres\","
                + " but no"
                + " backend password is configured");
  }

  @Test
  void backendAuthenticatorNamesAnUnsupportedMethod() {
    BackendAuthenticator authenticator =
        new BackendAuthenticator("postgres", "x", "the backend db:5432");
    assertThatThrownBy(
            () ->
                authenticator.answer(
                    new io.pgisolate.proxy.protocol.backend.AuthenticationOther(7, new byte[0])))
        .hasMessage(
            "the backend db:5432 asks the proxy for authentication method 7, which it does not"
                + " support (it"
                + " answers trust, password, md5 and SCRAM-SHA-256)");
  }
}
