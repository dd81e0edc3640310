package io.pgisolate.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/** Whole-directory operations: copy, delete, create with permissions. */
public final class Directories {
  private Directories() {}

  /**
   * Copies a tree, keeping permissions and (when the JVM is root) owners, which is what a copied
   * PostgreSQL data directory needs to start.
   */
  public static void copyTree(Path source, Path target) {
    try {
      Files.walkFileTree(
          source,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
                throws IOException {
              Files.copy(
                  dir,
                  target.resolve(source.relativize(dir).toString()),
                  StandardCopyOption.COPY_ATTRIBUTES);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.copy(
                  file,
                  target.resolve(source.relativize(file).toString()),
                  StandardCopyOption.COPY_ATTRIBUTES);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("could not copy " + source + " to " + target, e);
    }
  }

  /** Deletes a tree; a tree that is already gone is fine. */
  public static void deleteTree(Path root) {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
              if (e instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE;
              }
              throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
              if (e != null && !(e instanceof NoSuchFileException)) {
                throw e;
              }
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (NoSuchFileException e) {
      // Gone while we walked it: someone else cleaned up, which is what we wanted.
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + root, e);
    }
  }

  /**
   * A new directory {@code root/<prefix>…} to build something in before it is moved into place,
   * after deleting those an earlier builder left (a JVM killed mid-build). The caller holds the
   * lock that guards {@code prefix}, so any such directory it finds is a leftover.
   */
  public static Path createBuildDirectory(Path root, String prefix) throws IOException {
    try (var leftovers =
        Files.newDirectoryStream(root, p -> p.getFileName().toString().startsWith(prefix))) {
      for (Path leftover : leftovers) {
        try {
          deleteTree(leftover);
        } catch (UncheckedIOException e) {
          // A process of the dead builder may still be writing there: the next build retries.
        }
      }
    }
    return Files.createTempDirectory(root, prefix);
  }

  /** Creates {@code dir} and its parents; a new {@code dir} gets the given rwx permissions. */
  public static Path create(Path dir, String permissions) {
    try {
      if (Files.isDirectory(dir)) {
        return dir;
      }
      Files.createDirectories(dir.getParent());
      try {
        Files.createDirectory(dir);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        return dir;
      }
      // Set explicitly: createDirectory's attribute is filtered by the umask.
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(permissions));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("could not create directory " + dir, e);
    }
  }
}
