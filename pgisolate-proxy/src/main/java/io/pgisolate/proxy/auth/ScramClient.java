package io.pgisolate.proxy.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/** The client side of one SCRAM-SHA-256 exchange, without channel binding (GS2 header "n,,"). */
public final class ScramClient {
  private final String password;
  private final String clientNonce;
  private String clientFirstBare;
  private byte[] expectedServerSignature;

  public ScramClient(String password, String clientNonce) {
    this.password = password;
    this.clientNonce = clientNonce;
  }

  /** client-first-message. The user name is empty: PostgreSQL takes the start-up user. */
  public String clientFirst() {
    clientFirstBare = "n=,r=" + clientNonce;
    return "n,," + clientFirstBare;
  }

  /** Reads server-first-message and returns client-final-message. */
  public String clientFinal(String serverFirst) {
    String nonce = ScramSha256.attribute(serverFirst, 'r');
    String salt = ScramSha256.attribute(serverFirst, 's');
    String iterations = ScramSha256.attribute(serverFirst, 'i');
    if (nonce == null || !nonce.startsWith(clientNonce) || salt == null || iterations == null) {
      throw new AuthenticationFailure(
          "08P01", "the server sent a malformed SCRAM server-first-message: " + serverFirst);
    }
    byte[] salted =
        ScramSha256.saltedPassword(
            password, Base64.getDecoder().decode(salt), Integer.parseInt(iterations));
    String withoutProof = "c=biws,r=" + nonce;
    String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
    byte[] clientKey = ScramSha256.hmac(salted, "Client Key");
    byte[] clientSignature = ScramSha256.hmac(ScramSha256.sha256(clientKey), authMessage);
    expectedServerSignature = ScramSha256.hmac(ScramSha256.hmac(salted, "Server Key"), authMessage);
    return withoutProof
        + ",p="
        + Base64.getEncoder().encodeToString(ScramSha256.xor(clientKey, clientSignature));
  }

  /** Checks server-final-message: a server that cannot prove it knows the password is refused. */
  public void verifyServerFinal(String serverFinal) {
    String signature = ScramSha256.attribute(serverFinal, 'v');
    if (signature == null
        || !MessageDigest.isEqual(
            Base64.getDecoder().decode(signature.getBytes(StandardCharsets.US_ASCII)),
            expectedServerSignature)) {
      throw new AuthenticationFailure(
          "28000", "the server's SCRAM signature is invalid: " + serverFinal);
    }
  }
}
