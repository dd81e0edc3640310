package io.pgisolate.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Facts fixed at build time: pgisolate's version and the PostgreSQL this jar bundles. */
final class BuildInfo {
  private static final Properties PROPERTIES = load();

  private BuildInfo() {}

  static String version() {
    return PROPERTIES.getProperty("version");
  }

  /** The major version of the bundled PostgreSQL, the command's default. */
  static String bundledMajor() {
    return PROPERTIES.getProperty("postgres.major");
  }

  static String bundledVersion() {
    return PROPERTIES.getProperty("postgres.version");
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
      if (in == null) {
        throw new IllegalStateException("build.properties is missing from the pgisolate jar");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }
}
