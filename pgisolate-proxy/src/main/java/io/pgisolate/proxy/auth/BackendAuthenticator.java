package io.pgisolate.proxy.auth;

import io.pgisolate.proxy.protocol.FrontendMessage;
import io.pgisolate.proxy.protocol.backend.Authentication;
import io.pgisolate.proxy.protocol.backend.AuthenticationCleartextPassword;
import io.pgisolate.proxy.protocol.backend.AuthenticationMd5Password;
import io.pgisolate.proxy.protocol.backend.AuthenticationOk;
import io.pgisolate.proxy.protocol.backend.AuthenticationSasl;
import io.pgisolate.proxy.protocol.backend.AuthenticationSaslContinue;
import io.pgisolate.proxy.protocol.backend.AuthenticationSaslFinal;
import io.pgisolate.proxy.protocol.frontend.PasswordMessage;
import io.pgisolate.proxy.protocol.frontend.SaslInitialResponse;
import io.pgisolate.proxy.protocol.frontend.SaslResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Answers PostgreSQL's authentication requests with the proxy's own backend credentials: trust,
 * cleartext, md5 or SCRAM-SHA-256, whatever the server's pg_hba.conf asks for.
 */
public final class BackendAuthenticator {
  /** What to change when the backend asks for a method the proxy does not answer. */
  private static final String METHOD_HINT =
      "have the backend's pg_hba.conf ask the proxy's user for scram-sha-256, md5, password or"
          + " trust";

  private final String user;
  private final String password;
  private final String backend;
  private ScramClient scram;

  /**
   * @param password may be null when the server trusts the proxy
   * @param backend the backend as the messages name it ("the backend db:5432")
   */
  public BackendAuthenticator(String user, String password, String backend) {
    this.user = user;
    this.password = password;
    this.backend = backend;
  }

  /**
   * The answer to one request, or empty for AuthenticationOk and a verified SASL final message.
   *
   * @throws AuthenticationFailure for a method the proxy cannot answer
   */
  public Optional<FrontendMessage> answer(Authentication request) {
    if (request instanceof AuthenticationOk) {
      return Optional.empty();
    }
    if (request instanceof AuthenticationCleartextPassword) {
      return Optional.of(new PasswordMessage(requirePassword("password")));
    }
    if (request instanceof AuthenticationMd5Password md5) {
      return Optional.of(
          new PasswordMessage(Md5Password.response(user, requirePassword("md5"), md5.salt())));
    }
    if (request instanceof AuthenticationSasl sasl) {
      if (!sasl.mechanisms().contains(ScramSha256.MECHANISM)) {
        throw new AuthenticationFailure(
            "28000",
            backend
                + " offers the SASL mechanisms "
                + sasl.mechanisms()
                + "; the proxy supports only "
                + ScramSha256.MECHANISM,
            METHOD_HINT);
      }
      scram = new ScramClient(requirePassword(ScramSha256.MECHANISM), ScramSha256.nonce());
      return Optional.of(new SaslInitialResponse(ScramSha256.MECHANISM, utf8(scram.clientFirst())));
    }
    if (request instanceof AuthenticationSaslContinue challenge && scram != null) {
      return Optional.of(
          new SaslResponse(
              utf8(scram.clientFinal(new String(challenge.data(), StandardCharsets.UTF_8)))));
    }
    if (request instanceof AuthenticationSaslFinal outcome && scram != null) {
      scram.verifyServerFinal(new String(outcome.data(), StandardCharsets.UTF_8));
      return Optional.empty();
    }
    throw new AuthenticationFailure(
        "28000",
        backend
            + " asks the proxy for authentication method "
            + request.code()
            + ", which it does not support (it answers trust, password, md5 and SCRAM-SHA-256)",
        METHOD_HINT);
  }

  private String requirePassword(String method) {
    if (password == null) {
      throw new AuthenticationFailure(
          "28000",
          backend
              + " asks the proxy for "
              + method
              + " authentication of user \""
              + user
              + "\", but no backend password is configured",
          "give the proxy the backend password (--backend postgres://user:password@host/db, or"
              + " ProxyServer.builder().backendPassword(...))");
    }
    return password;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
