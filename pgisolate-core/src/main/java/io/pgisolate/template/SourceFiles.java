package io.pgisolate.template;

import io.pgisolate.PgIsolateException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * Adds the files of a schema source to its fingerprint: each file's name and a digest of its bytes,
 * so that one changed byte gives a new template, whatever the files' encoding (a Latin-1 migration,
 * a binary data file beside a changelog).
 */
final class SourceFiles {
  private SourceFiles() {}

  /** Every file below {@code dir}, in name order; {@code what} names the source in errors. */
  static void appendTree(StringBuilder fingerprint, Path dir, String what) {
    Path absolute = dir.toAbsolutePath();
    try (Stream<Path> files = Files.walk(absolute)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        append(fingerprint, absolute.relativize(file).toString(), Files.readAllBytes(file));
      }
    } catch (IOException e) {
      String why =
          e instanceof NoSuchFileException missing
              ? missing.getFile() + " does not exist"
              : e.getMessage();
      throw new PgIsolateException(
          what
              + " cannot be read: "
              + why
              + ". Hint: check the path (relative paths start from "
              + Path.of("").toAbsolutePath()
              + ").",
          e);
    }
  }

  /** Every resource below the classpath directory {@code dir}, subdirectories included. */
  static void appendClasspathTree(StringBuilder fingerprint, ClassLoader loader, String dir) {
    for (String name : ClasspathScanner.listTree(loader, dir)) {
      appendResource(fingerprint, loader, name);
    }
  }

  static void appendResource(StringBuilder fingerprint, ClassLoader loader, String name) {
    try (InputStream in = loader.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("not found");
      }
      append(fingerprint, name, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + name + " to fingerprint it", e);
    }
  }

  private static void append(StringBuilder fingerprint, String name, byte[] content) {
    fingerprint.append(name).append('\n').append(sha256(content)).append('\n');
  }

  private static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
