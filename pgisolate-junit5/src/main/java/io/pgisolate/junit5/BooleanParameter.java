package io.pgisolate.junit5;

import io.pgisolate.PgIsolateException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A true/false configuration parameter (from {@code junit-platform.properties} or a {@code -D}
 * system property). {@code Boolean.parseBoolean} reads every other word as false, so that a typo
 * such as {@code pgisolate.flyway=ture} would silently skip the migrations; here it fails, naming
 * the parameter and the value.
 */
final class BooleanParameter {
  private BooleanParameter() {}

  /** The value of {@code name}, or {@code defaultValue} when it is not set. */
  static boolean read(ExtensionContext context, String name, boolean defaultValue) {
    return context
        .getConfigurationParameter(name)
        .map(value -> parse(name, value, defaultValue))
        .orElse(defaultValue);
  }

  static boolean parse(String name, String value, boolean defaultValue) {
    String word = value.strip();
    if (word.equalsIgnoreCase("true")) {
      return true;
    }
    if (word.equalsIgnoreCase("false")) {
      return false;
    }
    throw new PgIsolateException(
        name
            + " must be true or false, got '"
            + value
            + "'. Hint: remove it for the default of "
            + defaultValue
            + ".");
  }
}
