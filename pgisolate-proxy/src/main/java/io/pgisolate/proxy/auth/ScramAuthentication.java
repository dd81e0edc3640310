package io.pgisolate.proxy.auth;

import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.backend.AuthenticationOk;
import io.pgisolate.proxy.protocol.backend.AuthenticationSasl;
import io.pgisolate.proxy.protocol.backend.AuthenticationSaslContinue;
import io.pgisolate.proxy.protocol.backend.AuthenticationSaslFinal;
import io.pgisolate.proxy.protocol.frontend.AuthenticationResponse;
import io.pgisolate.proxy.protocol.frontend.SaslInitialResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SCRAM-SHA-256 authentication (PostgreSQL docs, "SASL Authentication"). The keys of every user are
 * derived once, up front, so a connection costs the client's key derivation only. An unknown user
 * gets made-up keys and fails at the end, like a wrong password, as PostgreSQL does.
 */
final class ScramAuthentication implements ClientAuthentication {
  private final Map<String, ScramSha256.Keys> keys = new HashMap<>();
  private final int iterations;

  ScramAuthentication(Map<String, String> passwords, int iterations) {
    if (iterations < 1) {
      throw new IllegalArgumentException("SCRAM iterations must be at least 1, was " + iterations);
    }
    this.iterations = iterations;
    passwords.forEach(
        (user, password) ->
            keys.put(user, ScramSha256.keys(password, ScramSha256.randomSalt(), iterations)));
  }

  @Override
  public Exchange start(String user) {
    ScramSha256.Keys userKeys = keys.get(user);
    ScramServer server =
        new ScramServer(
            userKeys != null
                ? userKeys
                : new ScramSha256.Keys(
                    ScramSha256.randomSalt(),
                    iterations,
                    ScramSha256.randomSalt(),
                    ScramSha256.randomSalt()),
            ScramSha256.nonce());
    return new Exchange() {
      private int step;

      @Override
      public List<BackendMessage> start() {
        return List.of(new AuthenticationSasl(List.of(ScramSha256.MECHANISM)));
      }

      @Override
      public List<BackendMessage> next(AuthenticationResponse response) {
        if (step == 0) {
          step = 1;
          SaslInitialResponse initial = response.asSaslInitialResponse();
          if (!ScramSha256.MECHANISM.equals(initial.mechanism())) {
            throw new AuthenticationFailure(
                "08P01", "client selected an invalid SASL authentication mechanism");
          }
          if (initial.data() == null) {
            throw new AuthenticationFailure("08P01", "malformed SCRAM message: empty message");
          }
          return List.of(
              new AuthenticationSaslContinue(utf8(server.serverFirst(text(initial.data())))));
        }
        if (step == 1) {
          step = 2;
          String serverFinal = server.serverFinal(text(response.asSaslResponse().data()));
          if (serverFinal == null || userKeys == null) {
            throw ClientAuthentication.passwordFailed(user);
          }
          return List.of(new AuthenticationSaslFinal(utf8(serverFinal)), AuthenticationOk.INSTANCE);
        }
        throw new AuthenticationFailure(
            "08P01", "unexpected SASL message after the exchange ended");
      }

      @Override
      public boolean done() {
        return step == 2;
      }
    };
  }

  private static String text(byte[] data) {
    return new String(data, StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
