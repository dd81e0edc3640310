package io.pgisolate.lease;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The private directory a socket is bound in before it is renamed into place: {@code .pgi<pid in
 * base 36>_<tag>} beside the socket, 0700. The pid in the name tells a later server whether the one
 * that made it still lives: SIGKILL between making it and the rename leaves it behind, and only the
 * name can say whose it was.
 */
final class StagingDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(StagingDirectory.class);
  private static final String PREFIX = ".pgi";
  private static final Pattern NAME = Pattern.compile("\\.pgi([0-9a-z]{1,13})_[0-9a-z]+");

  /** The file name of the socket inside it. */
  static final String SOCKET = "s";

  private StagingDirectory() {}

  /** Makes a new staging directory in {@code dir}, named for this process. */
  static Path make(Path dir) throws IOException {
    String owner = PREFIX + Long.toString(ProcessHandle.current().pid(), 36) + "_";
    for (int attempt = 0; ; attempt++) {
      // The tag only tells apart the staging directories of one process: 4 characters keep the
      // staged socket's path short (sun_path holds 107 bytes).
      String tag = Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36);
      try {
        return Files.createDirectory(
            dir.resolve(owner + tag),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (FileAlreadyExistsException e) {
        if (attempt == 10) {
          throw e;
        }
      }
    }
  }

  /** Removes {@code staging} and the socket in it; best effort (an empty 0700 one is harmless). */
  static void remove(Path staging) {
    try {
      Files.deleteIfExists(staging.resolve(SOCKET));
      Files.deleteIfExists(staging);
    } catch (IOException e) {
      // not empty, or not ours to remove: it stays
    }
  }

  /**
   * Removes the staging directories in {@code dir} whose servers are gone. Call it holding the
   * socket's lock, having checked that no server listens there. A live pid's stay, and so does
   * anything that is not exactly a staging directory (a symbolic link, a directory holding other
   * files than the socket).
   */
  static void removeLeftovers(Path dir) {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, PREFIX + "*")) {
      for (Path entry : entries) {
        Matcher name = NAME.matcher(entry.getFileName().toString());
        if (!name.matches() || !Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        long pid = Long.parseLong(name.group(1), 36);
        if (ProcessHandle.of(pid).isPresent()) {
          continue; // binding now, or a pid reused since: either way not known to be a leftover
        }
        remove(entry);
        if (!Files.exists(entry, LinkOption.NOFOLLOW_LINKS)) {
          LOG.info("Removed {}, left by a lease server (pid {}) that was killed", entry, pid);
        }
      }
    } catch (IOException | NumberFormatException e) {
      LOG.debug("could not look for staging directories left in {}: {}", dir, e.toString());
    }
  }
}
