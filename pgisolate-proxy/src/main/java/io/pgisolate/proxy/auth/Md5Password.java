package io.pgisolate.proxy.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * PostgreSQL's md5 password response (PostgreSQL docs, "Password Authentication"): "md5" followed
 * by md5(md5(password + user) + salt) in lower-case hex.
 */
public final class Md5Password {
  private Md5Password() {}

  public static String response(String user, String password, byte[] salt) {
    String inner = hex(md5(bytes(password + user)));
    byte[] outer = new byte[inner.length() + salt.length];
    System.arraycopy(bytes(inner), 0, outer, 0, inner.length());
    System.arraycopy(salt, 0, outer, inner.length(), salt.length);
    return "md5" + hex(md5(outer));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private static byte[] md5(byte[] data) {
    try {
      return MessageDigest.getInstance("MD5").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM lacks MD5", e);
    }
  }
}
