package io.pgisolate.proxy.auth;

import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.frontend.AuthenticationResponse;
import java.util.List;
import java.util.Map;

/**
 * How the proxy authenticates its clients, independently of how it authenticates to PostgreSQL:
 * {@link #trust()}, {@link #scramSha256(Map)} or {@link #md5(Map)} against configured users.
 */
public interface ClientAuthentication {

  /** Starts the exchange for one connection of {@code user}. */
  Exchange start(String user);

  /** Every client is let in, as with pg_hba's trust. */
  static ClientAuthentication trust() {
    return user -> new TrustExchange();
  }

  /** SCRAM-SHA-256 against these user names and passwords. */
  static ClientAuthentication scramSha256(Map<String, String> passwords) {
    return new ScramAuthentication(passwords, ScramSha256.DEFAULT_ITERATIONS);
  }

  /** SCRAM-SHA-256 with a chosen iteration count (lower is faster to connect, weaker at rest). */
  static ClientAuthentication scramSha256(Map<String, String> passwords, int iterations) {
    return new ScramAuthentication(passwords, iterations);
  }

  /** PostgreSQL's legacy md5 challenge against these user names and passwords. */
  static ClientAuthentication md5(Map<String, String> passwords) {
    return new Md5Authentication(passwords);
  }

  /** One connection's authentication, driven by the client's 'p' messages. */
  interface Exchange {
    /** What to send first: a request, or AuthenticationOk when nothing is asked. */
    List<BackendMessage> start();

    /**
     * Handles the client's answer and returns what to send next.
     *
     * @throws AuthenticationFailure when the client is refused
     */
    List<BackendMessage> next(AuthenticationResponse response);

    /** True once AuthenticationOk has been returned. */
    boolean done();
  }

  /** The message PostgreSQL gives for a wrong password, SQLSTATE 28P01. */
  static AuthenticationFailure passwordFailed(String user) {
    return new AuthenticationFailure(
        "28P01", "password authentication failed for user \"" + user + "\"");
  }
}
