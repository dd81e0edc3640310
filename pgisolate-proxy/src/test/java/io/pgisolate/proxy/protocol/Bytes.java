package io.pgisolate.proxy.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds expected wire bytes by hand, field by field, in tests. */
public final class Bytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  public static Bytes bytes() {
    return new Bytes();
  }

  public Bytes b(int value) {
    out.write(value);
    return this;
  }

  public Bytes i16(int value) {
    return b(value >>> 8).b(value);
  }

  public Bytes i32(int value) {
    return b(value >>> 24).b(value >>> 16).b(value >>> 8).b(value);
  }

  /** A NUL-terminated UTF-8 string. */
  public Bytes s(String value) {
    raw(value.getBytes(StandardCharsets.UTF_8));
    return b(0);
  }

  public Bytes raw(byte[] value) {
    out.write(value, 0, value.length);
    return this;
  }

  public Bytes raw(String ascii) {
    return raw(ascii.getBytes(StandardCharsets.US_ASCII));
  }

  public byte[] get() {
    return out.toByteArray();
  }
}
