package io.pgisolate.os;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where pgisolate keeps what it builds once per machine: extracted binaries and initdb results.
 *
 * <p>Order: an explicit path; {@code PGISOLATE_CACHE_DIR}; for root, {@code /var/cache/pgisolate}
 * (root's home is closed to the unprivileged user that runs the servers); else {@code
 * $XDG_CACHE_HOME/pgisolate} or {@code ~/.cache/pgisolate}; for an account without a usable home
 * (such as {@code nobody}), {@code <java.io.tmpdir>/pgisolate-cache-<uid>}.
 */
public final class CacheDirectory {
  public static final String ENV = "PGISOLATE_CACHE_DIR";

  private CacheDirectory() {}

  public static Path resolve(Optional<Path> explicit) {
    if (explicit.isPresent()) {
      return explicit.get().toAbsolutePath();
    }
    String fromEnv = System.getenv(ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv).toAbsolutePath();
    }
    if (OsUser.current().isRoot()) {
      return Path.of("/var/cache/pgisolate");
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "pgisolate");
    }
    Path home = Path.of(System.getProperty("user.home"));
    if (Files.isDirectory(home) && Files.isWritable(home)) {
      return home.resolve(".cache").resolve("pgisolate");
    }
    return Path.of(
        System.getProperty("java.io.tmpdir"), "pgisolate-cache-" + OsUser.current().uid());
  }
}
