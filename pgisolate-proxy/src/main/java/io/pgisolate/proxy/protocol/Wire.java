package io.pgisolate.proxy.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reading and writing the protocol's data types (PostgreSQL docs, "Message Data Types"). Every read
 * checks what it is about to take against the bytes actually present, so a hostile count or length
 * inside a message fails with a {@link ProtocolException} instead of allocating what it claims.
 *
 * <p>Strings are UTF-8. The proxy only decodes strings in messages it inspects (start-up,
 * authentication, errors); data in other encodings passes through untouched as raw frames.
 */
public final class Wire {
  private Wire() {}

  /** Starts a typed message: writes the type byte and a length placeholder, returns its index. */
  public static int begin(ByteBuf out, char type) {
    out.writeByte(type);
    int lengthIndex = out.writerIndex();
    out.writeInt(0);
    return lengthIndex;
  }

  /** Starts an untyped (start-up phase) packet: only the length placeholder. */
  public static int beginUntyped(ByteBuf out) {
    int lengthIndex = out.writerIndex();
    out.writeInt(0);
    return lengthIndex;
  }

  /** Sets the length (which counts itself but not the type byte) of a message being written. */
  public static void end(ByteBuf out, int lengthIndex) {
    out.setInt(lengthIndex, out.writerIndex() - lengthIndex);
  }

  /** Writes a message that has only a type byte and the length 4. */
  public static void writeEmpty(ByteBuf out, char type) {
    out.writeByte(type);
    out.writeInt(4);
  }

  public static void writeCString(ByteBuf out, String value) {
    out.writeCharSequence(value, StandardCharsets.UTF_8);
    out.writeByte(0);
  }

  public static String readCString(ByteBuf in) {
    int end = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) 0);
    if (end < 0) {
      throw new ProtocolException("invalid string in message: missing terminator");
    }
    String value = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.UTF_8);
    in.readerIndex(end + 1);
    return value;
  }

  /** Reads {@code length} bytes, checked against what is left so no claimed length is allocated. */
  public static byte[] readBytes(ByteBuf in, int length) {
    if (length < 0 || length > in.readableBytes()) {
      throw new ProtocolException("invalid message format: length " + length + " out of range");
    }
    byte[] bytes = new byte[length];
    in.readBytes(bytes);
    return bytes;
  }

  /** Reads everything left in the body. */
  public static byte[] readRest(ByteBuf in) {
    return readBytes(in, in.readableBytes());
  }

  /** Reads an Int16 count, which the protocol treats as unsigned, checked against what is left. */
  public static int readCount(ByteBuf in, int bytesPerItem) {
    int count = in.readUnsignedShort();
    if ((long) count * bytesPerItem > in.readableBytes()) {
      throw new ProtocolException("invalid message format: count " + count + " out of range");
    }
    return count;
  }

  public static short[] readInt16Array(ByteBuf in) {
    int count = readCount(in, 2);
    short[] values = new short[count];
    for (int i = 0; i < count; i++) {
      values[i] = in.readShort();
    }
    return values;
  }

  public static void writeInt16Array(ByteBuf out, short[] values) {
    out.writeShort(values.length);
    for (short value : values) {
      out.writeShort(value);
    }
  }

  /** Reads Int16 count, then per value Int32 length (-1 = NULL) and the bytes. */
  public static List<byte[]> readValues(ByteBuf in) {
    int count = readCount(in, 4);
    List<byte[]> values = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      values.add(readNullableBytes(in));
    }
    return values;
  }

  public static void writeValues(ByteBuf out, List<byte[]> values) {
    out.writeShort(values.size());
    for (byte[] value : values) {
      writeNullableBytes(out, value);
    }
  }

  /** Int32 length (-1 for NULL, which is returned as {@code null}) followed by the bytes. */
  public static byte[] readNullableBytes(ByteBuf in) {
    int length = in.readInt();
    return length == -1 ? null : readBytes(in, length);
  }

  public static void writeNullableBytes(ByteBuf out, byte[] value) {
    if (value == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(value.length);
      out.writeBytes(value);
    }
  }

  /** A message must be consumed exactly; PostgreSQL rejects trailing bytes the same way. */
  public static void requireFullyRead(ByteBuf in, char type) {
    requireFullyRead(in, describe(type));
  }

  private static void requireFullyRead(ByteBuf in, String what) {
    if (in.isReadable()) {
      throw new ProtocolException(
          "invalid message format: "
              + in.readableBytes()
              + " unexpected bytes at the end of "
              + what);
    }
  }

  /**
   * Decodes a whole body with {@code decoder}: a body that ends early or has bytes left over is a
   * {@link ProtocolException} ("invalid message format", as PostgreSQL reports it).
   */
  public static <T> T decodeWhole(char type, ByteBuf body, Function<ByteBuf, T> decoder) {
    return decodeWhole(describe(type), body, decoder);
  }

  /** As {@link #decodeWhole(char, ByteBuf, Function)}, naming the message by {@code what}. */
  public static <T> T decodeWhole(String what, ByteBuf body, Function<ByteBuf, T> decoder) {
    T message;
    try {
      message = decoder.apply(body);
    } catch (IndexOutOfBoundsException e) {
      throw new ProtocolException("invalid message format: " + what + " ends early");
    }
    requireFullyRead(body, what);
    return message;
  }

  /** "message type 'Q'", with a non-printable type byte shown in hex. */
  public static String describe(char type) {
    return "message type '"
        + (type >= 0x20 && type < 0x7f
            ? String.valueOf(type)
            : String.format("\\x%02x", (int) type))
        + "'";
  }
}
