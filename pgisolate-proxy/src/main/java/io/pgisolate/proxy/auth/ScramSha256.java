package io.pgisolate.proxy.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The SCRAM-SHA-256 primitives of RFC 5802 / RFC 7677, as PostgreSQL uses them (PostgreSQL docs,
 * "SASL Authentication": no channel binding without TLS, the user name in the SCRAM messages is
 * ignored in favour of the start-up user).
 *
 * <p>Passwords are taken as UTF-8 without SASLprep normalisation; for ASCII passwords (and most
 * others) the two are the same.
 */
public final class ScramSha256 {
  public static final String MECHANISM = "SCRAM-SHA-256";
  public static final int DEFAULT_ITERATIONS = 4096;
  private static final SecureRandom RANDOM = new SecureRandom();

  private ScramSha256() {}

  /** The keys derived from a password; what a server stores instead of the password. */
  public record Keys(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {}

  public static Keys keys(String password, byte[] salt, int iterations) {
    byte[] salted = saltedPassword(password, salt, iterations);
    return new Keys(
        salt, iterations, sha256(hmac(salted, "Client Key")), hmac(salted, "Server Key"));
  }

  public static byte[] saltedPassword(String password, byte[] salt, int iterations) {
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
          .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256))
          .getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM lacks PBKDF2WithHmacSHA256", e);
    }
  }

  public static byte[] hmac(byte[] key, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM lacks HmacSHA256", e);
    }
  }

  public static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM lacks SHA-256", e);
    }
  }

  public static byte[] xor(byte[] a, byte[] b) {
    byte[] result = new byte[a.length];
    for (int i = 0; i < a.length; i++) {
      result[i] = (byte) (a[i] ^ b[i]);
    }
    return result;
  }

  /** A printable nonce of 18 random bytes, base64-encoded (no ',' can occur). */
  public static String nonce() {
    byte[] bytes = new byte[18];
    RANDOM.nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }

  public static byte[] randomSalt() {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return salt;
  }

  /** The value of attribute {@code name} ("r", "s", ...) in a SCRAM message, or null. */
  static String attribute(String message, char name) {
    for (String part : message.split(",", -1)) {
      if (part.length() >= 2 && part.charAt(0) == name && part.charAt(1) == '=') {
        return part.substring(2);
      }
    }
    return null;
  }
}
