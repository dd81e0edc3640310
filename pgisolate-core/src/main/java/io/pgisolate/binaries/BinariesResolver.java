package io.pgisolate.binaries;

import io.pgisolate.PgIsolateException;
import io.pgisolate.os.Commands;
import io.pgisolate.os.Directories;
import io.pgisolate.os.FileLocks;
import io.pgisolate.os.Programs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds PostgreSQL binaries. In order, logging each step at debug level:
 *
 * <ol>
 *   <li>an explicit directory (builder, {@code --pg-bin}, {@code PGISOLATE_PG_BIN});
 *   <li>a requested version ({@code --pg-version 17}, {@code PGISOLATE_PG_VERSION}) from zonky's
 *       builds on Maven Central: the classpath, then the local Maven repository, then a download;
 *       each is unpacked once into the per-user cache;
 *   <li>{@code pg_config --bindir}, then {@code initdb} on the PATH;
 *   <li>the newest {@code /usr/lib/postgresql/<major>/bin};
 *   <li>a zonky build on the classpath (what the CLI bundles), whatever its version.
 * </ol>
 */
public final class BinariesResolver {
  public static final String BIN_ENV = "PGISOLATE_PG_BIN";
  public static final String VERSION_ENV = "PGISOLATE_PG_VERSION";
  public static final String REPOSITORY_ENV = "PGISOLATE_MAVEN_REPOSITORY";
  private static final Logger log = LoggerFactory.getLogger(BinariesResolver.class);
  private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+(?:\\.\\d+)*)");
  private static final ConcurrentMap<Request, PgBinaries> RESOLVED = new ConcurrentHashMap<>();
  private static final ConcurrentMap<Path, String> VERSIONS = new ConcurrentHashMap<>();

  /**
   * What to look for.
   *
   * @param bin an explicit directory, used as it is
   * @param version a major (17), minor (17.6) or full (17.6.0) version to fetch
   * @param cache the cache directory bundles are unpacked into
   * @param localRepository the local Maven repository ({@code ~/.m2/repository})
   * @param remoteRepository the Maven repository to download from
   */
  public record Request(
      Optional<Path> bin,
      Optional<String> version,
      Path cache,
      Path localRepository,
      String remoteRepository) {

    /** A request that reads the explicit directory and version from the environment. */
    public static Request fromEnvironment(
        Optional<Path> bin, Optional<String> version, Path cache) {
      Optional<Path> envBin = env(BIN_ENV).map(Path::of);
      Optional<String> envVersion = env(VERSION_ENV);
      return new Request(
          bin.or(() -> envBin),
          version.or(() -> envVersion),
          cache,
          Path.of(System.getProperty("user.home"), ".m2", "repository"),
          env(REPOSITORY_ENV).orElse(ZonkyArtifacts.DEFAULT_REPOSITORY));
    }

    private static Optional<String> env(String name) {
      return Optional.ofNullable(System.getenv(name)).filter(v -> !v.isBlank());
    }
  }

  private BinariesResolver() {}

  public static PgBinaries resolve(Request request) {
    PgBinaries known = RESOLVED.get(request);
    if (known != null) {
      return known;
    }
    PgBinaries found = find(request);
    log.debug("Using {}", found);
    RESOLVED.putIfAbsent(request, found);
    return found;
  }

  private static PgBinaries find(Request request) {
    if (request.bin().isPresent()) {
      Path dir = request.bin().get();
      log.debug("Binaries: explicit directory {}", dir);
      return inDirectory(dir, "explicit directory")
          .orElseThrow(
              () ->
                  new BinariesNotFoundException(
                      "no PostgreSQL binaries in " + dir,
                      List.of(dir + " (needs executable initdb and postgres)"),
                      "point --pg-bin / PGISOLATE_PG_BIN at the bin directory of a PostgreSQL"
                          + " installation, for example /usr/lib/postgresql/17/bin."));
    }
    List<String> tried = new ArrayList<>();
    Optional<ZonkyArtifacts> zonky = ZonkyArtifacts.forThisPlatform();
    if (request.version().isPresent()) {
      return requestedVersion(request, request.version().get(), zonky, tried);
    }
    Optional<PgBinaries> system = onThisSystem(tried, Optional.empty());
    if (system.isPresent()) {
      return system.get();
    }
    if (zonky.isPresent()) {
      Optional<ZonkyBundle> bundled =
          zonky.get().onClasspath(BinariesResolver.class.getClassLoader());
      tried.add("classpath resource of " + zonky.get().artifactId());
      if (bundled.isPresent()) {
        return unpacked(bundled.get(), request.cache());
      }
    }
    throw new BinariesNotFoundException(
        "no PostgreSQL binaries found",
        tried,
        "install PostgreSQL, or ask for a version to fetch from Maven Central (--pg-version 18),"
            + " or name a bin directory (--pg-bin).");
  }

  private static PgBinaries requestedVersion(
      Request request, String version, Optional<ZonkyArtifacts> zonky, List<String> tried) {
    if (!version.matches("\\d+(\\.\\d+){0,2}")) {
      throw new PgIsolateException(
          "invalid PostgreSQL version '"
              + version
              + "'. Hint: give a major version such as 17, or a full one such as 17.6.0.");
    }
    if (zonky.isPresent()) {
      ZonkyArtifacts artifacts = zonky.get();
      log.debug("Binaries: looking for {} {} on the classpath", artifacts.artifactId(), version);
      tried.add("classpath");
      Optional<ZonkyBundle> bundle =
          artifacts
              .onClasspath(BinariesResolver.class.getClassLoader())
              .filter(
                  b ->
                      b.version().isPresent()
                          && ZonkyArtifacts.matches(b.version().get(), version));
      if (bundle.isEmpty()) {
        log.debug("Binaries: looking in the local repository {}", request.localRepository());
        tried.add("local Maven repository " + request.localRepository());
        bundle = artifacts.inLocalRepository(request.localRepository(), version);
      }
      if (bundle.isEmpty()) {
        log.debug("Binaries: looking in {}", request.remoteRepository());
        tried.add(request.remoteRepository());
        bundle =
            artifacts.download(
                request.remoteRepository(), version, request.cache().resolve("downloads"));
      }
      if (bundle.isPresent()) {
        return unpacked(bundle.get(), request.cache());
      }
    } else {
      tried.add("zonky builds (none published for this platform)");
    }
    // Offline, or no build for this platform: an installed server of that version will do.
    Optional<PgBinaries> system = onThisSystem(tried, Optional.of(version));
    return system.orElseThrow(
        () ->
            new BinariesNotFoundException(
                "PostgreSQL " + version + " is not available",
                tried,
                "check the network access to Maven Central (or set "
                    + REPOSITORY_ENV
                    + " to a mirror), or install PostgreSQL "
                    + version
                    + " and pass --pg-bin."));
  }

  private static Optional<PgBinaries> onThisSystem(List<String> tried, Optional<String> version) {
    List<Path> candidates = new ArrayList<>();
    log.debug("Binaries: asking pg_config --bindir");
    tried.add("pg_config --bindir");
    Programs.onPath("pg_config")
        .ifPresent(
            pgConfig -> {
              Commands.Result r =
                  Commands.run(
                      List.of(pgConfig.toString(), "--bindir"), Duration.ofSeconds(10), null);
              if (r.exitCode() == 0) {
                candidates.add(Path.of(r.output().strip()));
              }
            });
    log.debug("Binaries: looking for initdb on the PATH");
    tried.add("initdb on the PATH");
    Programs.onPath("initdb").map(BinariesResolver::realParent).ifPresent(candidates::add);
    log.debug("Binaries: looking in /usr/lib/postgresql/*/bin");
    tried.add("/usr/lib/postgresql/*/bin");
    candidates.addAll(debianInstallations());
    for (Path dir : candidates) {
      Optional<PgBinaries> binaries = inDirectory(dir, "installed");
      if (binaries.isPresent()
          && version.map(v -> ZonkyArtifacts.matches(binaries.get().version(), v)).orElse(true)) {
        return binaries;
      }
    }
    return Optional.empty();
  }

  private static List<Path> debianInstallations() {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> majors = Files.list(root)) {
      return majors
          .filter(p -> p.getFileName().toString().matches("\\d+(\\.\\d+)?"))
          .sorted(
              Comparator.comparingDouble((Path p) -> Double.parseDouble(p.getFileName().toString()))
                  .reversed())
          .map(p -> p.resolve("bin"))
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** The real directory of a program: Debian links initdb into /usr/local/bin or /usr/bin. */
  private static Path realParent(Path program) {
    try {
      return program.toRealPath().getParent();
    } catch (IOException e) {
      return program.getParent();
    }
  }

  /** The binaries in {@code dir}, when it has an executable initdb and postgres. */
  public static Optional<PgBinaries> inDirectory(Path dir, String origin) {
    Path abs = dir.toAbsolutePath().normalize();
    if (!Files.isExecutable(abs.resolve("initdb"))
        || !Files.isExecutable(abs.resolve("postgres"))) {
      return Optional.empty();
    }
    return Optional.of(new PgBinaries(abs, versionOf(abs), origin));
  }

  private static String versionOf(Path bin) {
    return VERSIONS.computeIfAbsent(
        bin,
        b -> {
          Commands.Result r =
              Commands.run(
                  List.of(b.resolve("postgres").toString(), "--version"),
                  Duration.ofSeconds(30),
                  null);
          Matcher m = VERSION.matcher(r.output());
          if (r.exitCode() != 0 || !m.find()) {
            throw new PgIsolateException(
                b.resolve("postgres")
                    + " --version failed (exit "
                    + r.exitCode()
                    + "): "
                    + r.tail(3)
                    + ". Hint: the binaries may be for another platform or missing libraries.");
          }
          return m.group(1);
        });
  }

  /** Unpacks a bundle into the cache once, however many JVMs ask at the same moment. */
  private static PgBinaries unpacked(ZonkyBundle bundle, Path cache) {
    Path root = cache.resolve("binaries");
    Path target = root.resolve(bundle.cacheKey());
    if (!Files.isDirectory(target)) {
      Directories.create(cache, "rwxr-xr-x");
      Directories.create(root, "rwxr-xr-x");
      try (FileLocks.Held lock =
          FileLocks.acquire(
              root.resolve(bundle.cacheKey() + ".lock"),
              Duration.ofMinutes(5),
              "unpacking " + bundle.origin())) {
        if (!Files.isDirectory(target)) {
          log.info("Unpacking PostgreSQL from {} into {}", bundle.origin(), target);
          Path temp =
              Directories.createBuildDirectory(root, "." + bundle.cacheKey() + ".unpacking-");
          try {
            try (InputStream in = bundle.archive().open()) {
              TarXz.extract(in, temp);
            }
            Files.setPosixFilePermissions(
                temp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            moveInto(temp, target);
          } finally {
            Directories.deleteTree(temp);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(
            "could not unpack PostgreSQL from " + bundle.origin() + " into " + target, e);
      }
    }
    log.debug("Binaries: {} unpacked in {}", bundle.origin(), target);
    return inDirectory(target.resolve("bin"), bundle.origin())
        .orElseThrow(
            () ->
                new PgIsolateException(
                    "the PostgreSQL bundle from "
                        + bundle.origin()
                        + " has no bin/initdb and bin/postgres. Hint: delete "
                        + target
                        + " and try again."));
  }

  private static void moveInto(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
      if (!Files.isDirectory(target)) {
        throw e;
      }
    }
  }
}
