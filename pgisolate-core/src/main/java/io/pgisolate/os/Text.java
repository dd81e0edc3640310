package io.pgisolate.os;

import io.pgisolate.PgIsolateException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Small text helpers for error messages. */
public final class Text {
  private Text() {}

  /**
   * {@code text} on one line, ending in one full stop, to be followed by a hint: pgjdbc's messages
   * sometimes end in one already, and a server's may span lines.
   */
  public static String sentence(String text) {
    String trimmed = text.replaceAll("\\R\\s*", " ").strip();
    return trimmed.endsWith(".") ? trimmed : trimmed + ".";
  }

  /** The last {@code lines} non-blank lines of {@code text}, joined with newlines. */
  public static String tail(String text, int lines) {
    List<String> all = Arrays.stream(text.split("\\R")).filter(l -> !l.isBlank()).toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /**
   * The line of a tool's output that says what went wrong: the first one with "error:" in it
   * (initdb's "initdb: error: …", psql's "psql:file:1: ERROR: …"), else the last non-blank one. The
   * lines after an error are often only a hint or a caret under the failing text.
   */
  public static String errorLine(String output) {
    return Arrays.stream(output.split("\\R"))
        .filter(l -> l.toLowerCase(java.util.Locale.ROOT).contains("error:"))
        .findFirst()
        .orElseGet(() -> tail(output, 1))
        .strip();
  }

  /**
   * {@code bytes} as UTF-8 text; {@code what} ("init script x.sql") names them in the error about a
   * byte that is not UTF-8 (a script saved as Latin-1), which gives its line and column. Decoding
   * leniently would run a script whose 'café' reads 'caf\uFFFD'.
   */
  public static String utf8(byte[] bytes, String what) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      String before = out.flip().toString();
      throw new PgIsolateException(
          String.format(
              "%s is not UTF-8: line %d, column %d holds the byte 0x%02X. Hint: save it as UTF-8"
                  + " (iconv -f LATIN1 -t UTF-8).",
              what,
              before.chars().filter(c -> c == '\n').count() + 1,
              before.length() - before.lastIndexOf('\n'),
              bytes[in.position()] & 0xff));
    }
    decoder.flush(out);
    return out.flip().toString();
  }

  /**
   * Why a file operation failed, in words: the JDK's {@link java.nio.file.AccessDeniedException}
   * and its kin carry only the path as their message.
   */
  public static String reason(IOException e) {
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof java.nio.file.NotDirectoryException) {
      return "not a directory";
    }
    if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) {
      return fs.getReason();
    }
    return String.valueOf(e.getMessage());
  }

  /**
   * A command's failure on one line, for its user (pgisolate's commands, bin/bench): the message of
   * a {@link PgIsolateException} or a refused value ({@link IllegalArgumentException}), which say
   * what to do; for an I/O failure, why it failed too. Anything else is a bug or a surprise: named
   * by its class, with a hint to rerun with -v, which shows the stack trace.
   */
  public static String failure(Exception e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    if (e instanceof java.io.UncheckedIOException io) {
      // "could not create directory X", whose cause says only X again: say why instead.
      message =
          message
              + ": "
              + reason(io.getCause())
              + ". Hint: check the path and its permissions; rerun with -v for details.";
    } else if (!(e instanceof PgIsolateException || e instanceof IllegalArgumentException)) {
      message =
          e.getClass().getSimpleName() + ": " + message + ". Hint: rerun with -v for details.";
    }
    return message.replaceAll("\\R", " ");
  }

  /** The tail of a file, or an empty string when it cannot be read (it is only for messages). */
  public static String tail(Path file, int lines) {
    try {
      return tail(Files.readString(file, StandardCharsets.UTF_8), lines);
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }
}
