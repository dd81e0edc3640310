package io.pgisolate.template;

import io.pgisolate.PgIsolateException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Adds the files of a schema source to its fingerprint: each file's name and a digest of its bytes,
 * so that one changed byte gives a new template, whatever the files' encoding (a Latin-1 migration,
 * a binary data file beside a changelog).
 */
final class SourceFiles {
  private SourceFiles() {}

  /**
   * Directories below a source's directory that are not part of it: a build's output ({@code
   * target/} of Maven, {@code build/} of Gradle), installed packages, and hidden ones ({@code
   * .git}, an IDE's). A changelog at a project's root would otherwise see a new template after
   * every build (its output changes each time) and read the whole output, jars included, to hash
   * it.
   */
  private static final Set<String> NOT_SOURCES = Set.of("target", "build", "node_modules");

  /**
   * Every file below {@code dir}, in name order, but for those in the directories of {@link
   * #NOT_SOURCES} and hidden ones; {@code what} names the source in errors.
   */
  static void appendTree(StringBuilder fingerprint, Path dir, String what) {
    Path absolute = dir.toAbsolutePath();
    List<Path> files = new ArrayList<>();
    try {
      Files.walkFileTree(
          absolute,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attributes) {
              String name = d.getFileName() == null ? "" : d.getFileName().toString();
              boolean skipped =
                  !d.equals(absolute) && (name.startsWith(".") || NOT_SOURCES.contains(name));
              return skipped ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
              // A link to a file counts as the file (a migration shared by link), as before.
              if (attributes.isRegularFile() || Files.isRegularFile(file)) {
                files.add(file);
              }
              return FileVisitResult.CONTINUE;
            }
          });
      Collections.sort(files);
      for (Path file : files) {
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
