package io.pgisolate.binaries;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A directory of PostgreSQL server programs (initdb, postgres) and the version they report.
 *
 * @param bin the directory holding initdb and postgres
 * @param version the full version postgres reports, for example {@code 18.1}
 * @param origin where they came from, for logs and messages
 */
public record PgBinaries(Path bin, String version, String origin) {

  public Path initdb() {
    return bin.resolve("initdb");
  }

  public Path postgres() {
    return bin.resolve("postgres");
  }

  /** The major version: {@code 18} for 18.1, {@code 9.6} for 9.6.24. */
  public String majorVersion() {
    String[] parts = version.split("\\.");
    return parts[0].equals("9") && parts.length > 1 ? parts[0] + "." + parts[1] : parts[0];
  }

  /** Another program of the same installation (psql, pg_restore…), when it has one. */
  public Optional<Path> tool(String name) {
    Path path = bin.resolve(name);
    return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
  }

  @Override
  public String toString() {
    return "PostgreSQL " + version + " in " + bin + " (" + origin + ")";
  }
}
