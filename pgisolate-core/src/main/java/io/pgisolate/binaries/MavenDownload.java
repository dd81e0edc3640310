package io.pgisolate.binaries;

import io.pgisolate.PgIsolateException;
import io.pgisolate.os.FileLocks;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
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
 * A jar fetched from a Maven repository over HTTP into a download directory: once however many JVMs
 * ask at the same moment (a file lock beside it), checked against the SHA-1 the repository
 * publishes beside every artifact, and moved into place only when whole. So a cut or corrupt
 * download never leaves a jar that looks complete, nor its part file.
 */
final class MavenDownload {
  private static final Logger log = LoggerFactory.getLogger(MavenDownload.class);

  /** A PostgreSQL build is ~10 MB: minutes even on a slow link. */
  private static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(10);

  /** Waiting for another JVM's download of the same jar takes at most its transfer, and more. */
  private static final Duration LOCK_TIMEOUT = TRANSFER_TIMEOUT.plusMinutes(5);

  private final HttpClient http;

  MavenDownload() {
    this(
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build());
  }

  MavenDownload(HttpClient http) {
    this.http = http;
  }

  /** A small text file of the repository (metadata, a checksum). */
  HttpResponse<String> text(String url) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** {@code target}, downloaded from {@code url} unless it is there already. */
  Path fetch(String url, Path target) throws IOException, InterruptedException {
    if (Files.isRegularFile(target)) {
      return target;
    }
    String name = target.getFileName().toString();
    try (FileLocks.Held lock =
        FileLocks.acquire(
            target.resolveSibling(name + ".lock"), LOCK_TIMEOUT, "the download of " + url)) {
      if (Files.isRegularFile(target)) {
        return target; // another JVM downloaded it while this one waited
      }
      // Part files of a JVM killed mid-download: nobody writes them while this lock is held.
      deleteParts(target);
      Path part = target.resolveSibling(name + ".part");
      try {
        log.info("Downloading {}", url);
        HttpResponse<Path> response =
            http.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(TRANSFER_TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofFile(part));
        if (response.statusCode() != 200) {
          throw new PgIsolateException(
              "could not download "
                  + url
                  + ": HTTP "
                  + response.statusCode()
                  + ". Hint: check that the repository (or "
                  + BinariesResolver.REPOSITORY_ENV
                  + ") serves Maven artifacts.");
        }
        verify(url, part);
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
      } finally {
        Files.deleteIfExists(part);
      }
    }
  }

  /** Compares the part file with the SHA-1 published as {@code url.sha1}, if there is one. */
  private void verify(String url, Path part) throws IOException, InterruptedException {
    HttpResponse<String> published =
        http.send(
            HttpRequest.newBuilder(URI.create(url + ".sha1"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.US_ASCII));
    if (published.statusCode() == 404) {
      // Some mirrors drop the checksums; Maven itself only warns then.
      log.warn("{} has no SHA-1 beside it; the download is not verified", url);
      return;
    }
    if (published.statusCode() != 200) {
      throw new PgIsolateException(
          "could not fetch the SHA-1 of "
              + url
              + ": HTTP "
              + published.statusCode()
              + ". Hint: run again; the download is not used unverified.");
    }
    // "<hex>" or "<hex>  <file name>", as some publishers write it.
    String expected =
        published.body().strip().split("\\s+", 2)[0].toLowerCase(java.util.Locale.ROOT);
    String actual = sha1(part);
    if (!actual.equals(expected)) {
      throw new PgIsolateException(
          "the download of "
              + url
              + " is corrupt: its SHA-1 is "
              + actual
              + " where the repository publishes "
              + expected
              + ". Hint: run again; if it happens again, check the repository or mirror ("
              + BinariesResolver.REPOSITORY_ENV
              + ").");
    }
  }

  private static String sha1(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-1", e);
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** {@code <jar>.part}, and the {@code <jar><digits>.part} of earlier versions. */
  private static void deleteParts(Path target) throws IOException {
    String name = target.getFileName().toString();
    try (DirectoryStream<Path> parts =
        Files.newDirectoryStream(target.getParent(), glob(name) + "*.part")) {
      for (Path part : parts) {
        log.debug("Deleting {}, left by a download that did not finish", part);
        Files.deleteIfExists(part);
      }
    }
  }

  private static String glob(String literal) {
    return literal.replaceAll("([\\\\*?\\[\\]{}])", "\\\\$1");
  }
}
