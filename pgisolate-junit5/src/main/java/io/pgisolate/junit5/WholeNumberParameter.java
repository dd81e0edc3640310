package io.pgisolate.junit5;

import io.pgisolate.PgIsolateException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A whole-number configuration parameter (from {@code junit-platform.properties} or a {@code -D}
 * system property). A bad value fails with the parameter's name, the value and what is accepted: a
 * bare NumberFormatException from inside the extension names none of them.
 */
final class WholeNumberParameter {
  private WholeNumberParameter() {}

  /** The value of {@code name}, or {@code defaultValue} when it is not set. */
  static int read(ExtensionContext context, String name, int min, int defaultValue) {
    return context
        .getConfigurationParameter(name)
        .map(value -> parse(name, value, min, defaultValue))
        .orElse(defaultValue);
  }

  static int parse(String name, String value, int min, int defaultValue) {
    long number;
    try {
      number = Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw invalid(name, value, "of at least " + min, defaultValue);
    }
    if (number > Integer.MAX_VALUE) {
      throw invalid(name, value, "from " + min + " to " + Integer.MAX_VALUE, defaultValue);
    }
    if (number < min) {
      throw invalid(name, value, "of at least " + min, defaultValue);
    }
    return (int) number;
  }

  private static PgIsolateException invalid(
      String name, String value, String accepted, int defaultValue) {
    return new PgIsolateException(
        name
            + " must be a whole number "
            + accepted
            + ", got '"
            + value
            + "'. Hint: remove it for the default of "
            + defaultValue
            + ".");
  }
}
