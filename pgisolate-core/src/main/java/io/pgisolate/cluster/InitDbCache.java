package io.pgisolate.cluster;

import io.pgisolate.binaries.PgBinaries;
import io.pgisolate.os.Directories;
import io.pgisolate.os.FileLocks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * initdb results kept per (binaries, version, superuser, locale, encoding, authentication, server
 * user), built once under a file lock. initdb takes 0.4–1.3 s; copying its result takes tens of
 * milliseconds, which is what makes a temporary cluster fast.
 */
final class InitDbCache {
  private static final Logger log = LoggerFactory.getLogger(InitDbCache.class);

  private InitDbCache() {}

  /** The cached data directory for {@code initdb}, built now if this is the first time. */
  static Path get(Path cacheDirectory, InitDb initdb, Duration timeout) {
    Path root = cacheDirectory.resolve("initdb");
    String key = key(initdb);
    Path cached = root.resolve(key);
    if (Files.isRegularFile(cached.resolve("PG_VERSION"))) {
      return cached;
    }
    Directories.create(cacheDirectory, "rwxr-xr-x");
    Directories.create(root, "rwxr-xr-x");
    try (FileLocks.Held lock =
        FileLocks.acquire(root.resolve(key + ".lock"), timeout, "building the initdb cache")) {
      if (Files.isRegularFile(cached.resolve("PG_VERSION"))) {
        return cached;
      }
      long started = System.nanoTime();
      Path building = Directories.createBuildDirectory(root, "." + key + ".building-");
      try {
        initdb.runAs().own(building);
        Path data = building.resolve("data");
        // The hint names the cache, not the temporary directory deleted below.
        initdb.run(data, timeout, "the initdb cache " + root + " is writable");
        Files.writeString(building.resolve("identity"), initdb.identity(), StandardCharsets.UTF_8);
        Files.move(data, cached, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Directories.deleteTree(building);
      }
      log.debug(
          "Cached initdb for {} in {} ({} ms)",
          initdb.binaries(),
          cached,
          (System.nanoTime() - started) / 1_000_000);
      return cached;
    } catch (IOException e) {
      throw new UncheckedIOException("could not build the initdb cache in " + root, e);
    }
  }

  static String key(InitDb initdb) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(initdb.identity().getBytes(StandardCharsets.UTF_8));
      PgBinaries b = initdb.binaries();
      return "pg" + b.version() + "-" + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
