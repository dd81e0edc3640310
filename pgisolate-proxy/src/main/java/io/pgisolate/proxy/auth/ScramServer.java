package io.pgisolate.proxy.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The server side of one SCRAM-SHA-256 exchange: client-first in, server-first out, client-final
 * in, server-final out (RFC 5802 section 3). Channel binding is refused ('p' flag), since the proxy
 * offers SCRAM-SHA-256 without TLS.
 */
public final class ScramServer {
  private final ScramSha256.Keys keys;
  private final String serverNonceSuffix;
  private String clientFirstBare;
  private String serverFirst;
  private String gs2Header;
  private String nonce;

  /**
   * @param keys the user's keys; for an unknown user pass made-up keys, so the exchange runs to the
   *     end and fails like a wrong password (no user enumeration)
   */
  public ScramServer(ScramSha256.Keys keys, String serverNonceSuffix) {
    this.keys = keys;
    this.serverNonceSuffix = serverNonceSuffix;
  }

  /** Reads client-first-message and returns server-first-message. */
  public String serverFirst(String clientFirst) {
    if (clientFirst.startsWith("p")) {
      throw new AuthenticationFailure(
          "08P01", "channel binding is not supported: the proxy offers SCRAM-SHA-256 without TLS");
    }
    if (!(clientFirst.startsWith("n,") || clientFirst.startsWith("y,"))) {
      throw malformed("unexpected channel-binding flag");
    }
    int bareStart = clientFirst.indexOf(',', 2);
    if (bareStart < 0) {
      throw malformed("missing GS2 header");
    }
    gs2Header = clientFirst.substring(0, bareStart + 1);
    clientFirstBare = clientFirst.substring(bareStart + 1);
    String clientNonce = ScramSha256.attribute(clientFirstBare, 'r');
    if (clientNonce == null || clientNonce.isEmpty()) {
      throw malformed("missing client nonce");
    }
    nonce = clientNonce + serverNonceSuffix;
    serverFirst =
        "r="
            + nonce
            + ",s="
            + Base64.getEncoder().encodeToString(keys.salt())
            + ",i="
            + keys.iterations();
    return serverFirst;
  }

  /**
   * Checks client-final-message; returns server-final-message ("v=" signature) if the proof is
   * right, or null if it is wrong (a wrong password or an unknown user).
   */
  public String serverFinal(String clientFinal) {
    if (serverFirst == null) {
      throw malformed("client-final-message before client-first-message");
    }
    int proofStart = clientFinal.lastIndexOf(",p=");
    if (proofStart < 0) {
      throw malformed("missing proof");
    }
    String withoutProof = clientFinal.substring(0, proofStart);
    String channelBinding = ScramSha256.attribute(withoutProof, 'c');
    String expectedBinding =
        Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8));
    if (!expectedBinding.equals(channelBinding)) {
      throw malformed("unexpected SCRAM channel-binding attribute in client-final-message");
    }
    if (!nonce.equals(ScramSha256.attribute(withoutProof, 'r'))) {
      throw malformed("nonce does not match");
    }
    byte[] proof;
    try {
      proof = Base64.getDecoder().decode(clientFinal.substring(proofStart + 3));
    } catch (IllegalArgumentException e) {
      throw malformed("proof is not base64");
    }
    String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
    byte[] clientSignature = ScramSha256.hmac(keys.storedKey(), authMessage);
    if (proof.length != clientSignature.length) {
      throw malformed("proof has the wrong length");
    }
    byte[] clientKey = ScramSha256.xor(proof, clientSignature);
    if (!MessageDigest.isEqual(ScramSha256.sha256(clientKey), keys.storedKey())) {
      return null;
    }
    return "v="
        + Base64.getEncoder().encodeToString(ScramSha256.hmac(keys.serverKey(), authMessage));
  }

  private static AuthenticationFailure malformed(String detail) {
    return new AuthenticationFailure("08P01", "malformed SCRAM message: " + detail);
  }
}
