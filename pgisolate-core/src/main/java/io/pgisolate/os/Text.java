package io.pgisolate.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Small text helpers for error messages. */
public final class Text {
  private Text() {}

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

  /** The tail of a file, or an empty string when it cannot be read (it is only for messages). */
  public static String tail(Path file, int lines) {
    try {
      return tail(Files.readString(file, StandardCharsets.UTF_8), lines);
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }
}
