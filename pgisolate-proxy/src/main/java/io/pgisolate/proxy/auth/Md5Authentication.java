package io.pgisolate.proxy.auth;

import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.backend.AuthenticationMd5Password;
import io.pgisolate.proxy.protocol.backend.AuthenticationOk;
import io.pgisolate.proxy.protocol.frontend.AuthenticationResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;

/** md5 authentication: a random 4-byte salt per connection, one response. */
final class Md5Authentication implements ClientAuthentication {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Map<String, String> passwords;

  Md5Authentication(Map<String, String> passwords) {
    this.passwords = Map.copyOf(passwords);
  }

  @Override
  public Exchange start(String user) {
    byte[] salt = new byte[4];
    RANDOM.nextBytes(salt);
    return new Exchange() {
      private boolean done;

      @Override
      public List<BackendMessage> start() {
        return List.of(new AuthenticationMd5Password(salt));
      }

      @Override
      public List<BackendMessage> next(AuthenticationResponse response) {
        String password = passwords.get(user);
        String given = response.asPassword().password();
        if (password == null
            || !MessageDigest.isEqual(
                Md5Password.response(user, password, salt).getBytes(StandardCharsets.UTF_8),
                given.getBytes(StandardCharsets.UTF_8))) {
          throw ClientAuthentication.passwordFailed(user);
        }
        done = true;
        return List.of(AuthenticationOk.INSTANCE);
      }

      @Override
      public boolean done() {
        return done;
      }
    };
  }
}
