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

  /** The tail of a file, or an empty string when it cannot be read (it is only for messages). */
  public static String tail(Path file, int lines) {
    try {
      return tail(Files.readString(file, StandardCharsets.UTF_8), lines);
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }
}
