package io.pgisolate.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.Properties;

/**
 * The JVM-wide settings the driver shares with the JUnit extension ({@code pgisolate.url}, {@code
 * pgisolate.pg.version}): a system property, else {@code junit-platform.properties} on the
 * classpath, which is where the extension's users put them. Read as JUnit reads them, so that a
 * test JVM's extension and driver reach one server, of one version.
 */
final class DriverSettings {
  static final String FILE = "junit-platform.properties";

  private DriverSettings() {}

  /** A setting's value, and where it was found: {@code name=value}, and the file, in messages. */
  record Setting(String name, String value, String source) {
    @Override
    public String toString() {
      return name + "=" + value + (source.equals(FILE) ? " (" + FILE + ")" : "");
    }
  }

  static Optional<String> get(String key) {
    return setting(key).map(Setting::value);
  }

  static Optional<Setting> setting(String key) {
    String property = System.getProperty(key);
    if (property != null) {
      return Optional.of(new Setting(key, property, "system property"));
    }
    return Optional.ofNullable(PlatformFile.PROPERTIES.getProperty(key))
        .map(value -> new Setting(key, value, FILE));
  }

  /** The file, read once, when first needed. */
  private static final class PlatformFile {
    static final Properties PROPERTIES = read();

    private static Properties read() {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      if (loader == null) {
        loader = DriverSettings.class.getClassLoader();
      }
      Properties properties = new Properties();
      try (InputStream in = loader.getResourceAsStream(FILE)) {
        if (in != null) {
          properties.load(in);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + FILE + " from the classpath", e);
      }
      return properties;
    }
  }
}
