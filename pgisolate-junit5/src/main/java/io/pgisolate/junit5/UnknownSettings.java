package io.pgisolate.junit5;

import io.pgisolate.ClosestName;
import io.pgisolate.PgIsolateException;
import io.pgisolate.cluster.JvmServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * {@code pgisolate.*} settings that pgisolate does not read: a misspelt name (such as {@code
 * pgisolate.transaction.worker}) would otherwise leave the default in place without a word. JUnit
 * does not list its configuration parameters, so the places users set them are read here: {@code
 * junit-platform.properties} on the classpath and the system properties.
 */
final class UnknownSettings {
  static final List<String> KNOWN =
      List.of(
          ExtensionSettings.SCRIPTS,
          ExtensionSettings.MIGRATIONS,
          ExtensionSettings.FLYWAY,
          ExtensionSettings.LIQUIBASE,
          JvmServer.URL_PARAMETER,
          SharedTransactions.PROXY_URL,
          SharedServer.VERSION,
          SharedServer.READY,
          SharedServer.MAX,
          SharedServer.LOCK_TIMEOUT,
          SharedServer.WORKERS,
          SharedServer.RECYCLE,
          SharedServer.LEASE_SOCKET);

  private static final String PREFIX = "pgisolate.";

  private UnknownSettings() {}

  /** Fails every test of the run, once one is found: looked for once per run. */
  static void refuse(ExtensionContext context) {
    context
        .getRoot()
        .getStore(PgIsolateExtension.NAMESPACE)
        .getOrComputeIfAbsent(UnknownSettings.class, k -> find(), Optional.class)
        .ifPresent(
            message -> {
              throw new PgIsolateException((String) message);
            });
  }

  private static Optional<String> find() {
    for (String name : System.getProperties().stringPropertyNames()) {
      if (unknown(name)) {
        return Optional.of(message(name, "a system property"));
      }
    }
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    try {
      for (URL file : Collections.list(loader.getResources("junit-platform.properties"))) {
        for (String name : read(file).stringPropertyNames()) {
          if (unknown(name)) {
            return Optional.of(message(name, "in " + file));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Optional.empty();
  }

  private static boolean unknown(String name) {
    return name.startsWith(PREFIX) && !KNOWN.contains(name);
  }

  private static Properties read(URL file) throws IOException {
    Properties properties = new Properties();
    try (InputStream in = file.openStream()) {
      properties.load(in);
    }
    return properties;
  }

  private static String message(String name, String where) {
    return "unknown setting '"
        + name
        + "' ("
        + where
        + "): pgisolate has no setting of that name, and would go on without it. Hint: "
        + ClosestName.of(name, KNOWN)
            .map(closest -> "did you mean '" + closest + "'?")
            .orElse("its settings are " + String.join(", ", KNOWN) + ".");
  }
}
