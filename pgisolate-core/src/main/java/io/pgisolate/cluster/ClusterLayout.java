package io.pgisolate.cluster;

import io.pgisolate.PgIsolateException;
import io.pgisolate.os.Directories;
import io.pgisolate.os.FileLocks;
import io.pgisolate.os.OsUser;
import io.pgisolate.os.RunAs;
import io.pgisolate.os.Text;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The files of one temporary cluster. Every cluster has a work directory {@code <base>/<id>} (data
 * directory, socket directory, server log) and a lock file {@code <base>/<id>.lock} that its JVM
 * holds while it lives: the OS drops the lock when the JVM dies, which is how the {@link Reaper}
 * tells leftovers from clusters in use.
 */
final class ClusterLayout {
  static final String LOCK_SUFFIX = ".lock";
  static final String PERSIST_MARKER = "persist";
  static final String EXTERNAL_DATA = "data-path";
  private static final long RAM_DISK_MIN_FREE = 256L << 20;

  /** sun_path holds 108 bytes with the terminating NUL (PostgreSQL checks the same). */
  private static final int MAX_SOCKET_PATH = 107;

  private static final SecureRandom RANDOM = new SecureRandom();

  final Path base;
  final String id;
  final Path workDir;
  final Path dataDir;
  final Path socketDir;
  final Path logFile;
  final boolean externalData;

  /** False until an external data directory is known to be ours to delete. */
  private boolean ownsExternalData;

  private final Path lockFile;
  private FileLocks.Held lock;

  private ClusterLayout(
      Path base, String id, Path dataDir, boolean externalData, FileLocks.Held lock) {
    this.base = base;
    this.id = id;
    this.workDir = base.resolve(id);
    this.dataDir = dataDir;
    this.externalData = externalData;
    this.socketDir = workDir.resolve("s");
    this.logFile = workDir.resolve("postgres.log");
    this.lockFile = base.resolve(id + LOCK_SUFFIX);
    this.lock = lock;
  }

  /** The directory temporary clusters of this JVM's user are made in. */
  static Path base(ClusterSettings settings) {
    Path root = settings.dataRoot().orElseGet(() -> defaultRoot(settings.ramDisk()));
    // Absolute: the server runs in a working directory of its own.
    return root.toAbsolutePath().normalize().resolve("pgisolate-" + OsUser.current().uid());
  }

  private static Path defaultRoot(boolean ramDisk) {
    Path shm = Path.of("/dev/shm");
    if (ramDisk && Files.isDirectory(shm) && Files.isWritable(shm)) {
      try {
        FileStore store = Files.getFileStore(shm);
        if (store.getUsableSpace() >= RAM_DISK_MIN_FREE) {
          return shm;
        }
      } catch (IOException e) {
        // not usable: fall back to the temporary directory
      }
    }
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  /** Makes the directories of a new cluster and takes its lock. */
  static ClusterLayout create(ClusterSettings settings, RunAs runAs) {
    Path base = base(settings);
    if (runAs.switchesUser()) {
      // Root's clusters run as another user, who must be able to pass through the base:
      // postgres would only say that it cannot access its data directory.
      DataRootAccess.require(base, runAs);
    }
    try {
      Directories.create(base, runAs.switchesUser() ? "rwx--x--x" : "rwx------");
    } catch (UncheckedIOException e) {
      throw new PgIsolateException(
          "cannot create the cluster directory "
              + base
              + ": "
              + Text.reason(e.getCause())
              + ". Hint: choose a writable location with the data-root option (--data-root).",
          e);
    }
    String id = "c" + HexFormat.of().formatHex(bytes());
    requireShortSocketPath(base.resolve(id).resolve("s"));
    FileLocks.Held lock =
        FileLocks.tryAcquire(base.resolve(id + LOCK_SUFFIX))
            .orElseThrow(() -> new PgIsolateException("could not lock a new cluster in " + base));
    Optional<Path> explicit = settings.dataDirectory().map(p -> p.toAbsolutePath().normalize());
    ClusterLayout layout =
        new ClusterLayout(
            base,
            id,
            explicit.orElse(base.resolve(id).resolve("data")),
            explicit.isPresent(),
            lock);
    try {
      Directories.create(layout.workDir, "rwx------");
      runAs.own(layout.workDir);
      Directories.create(layout.socketDir, "rwx------");
      runAs.own(layout.socketDir);
      if (explicit.isPresent()) {
        layout.prepareExplicitDataDir(runAs);
      }
      if (settings.persist()) {
        // Marked now, not at close: the files of a JVM killed by SIGKILL are to be kept too.
        Files.writeString(layout.workDir.resolve(PERSIST_MARKER), layout.dataDir.toString());
      }
    } catch (IOException e) {
      layout.delete();
      throw new UncheckedIOException("could not mark " + layout.workDir + " as kept", e);
    } catch (RuntimeException e) {
      layout.delete();
      throw e;
    }
    return layout;
  }

  /** Checked before anything is made: postgres would only say "could not create any sockets". */
  private static void requireShortSocketPath(Path socketDir) {
    String socket = socketDir.resolve(".s.PGSQL.NNNNN").toString();
    int length = socket.getBytes(StandardCharsets.UTF_8).length;
    if (length > MAX_SOCKET_PATH) {
      throw new PgIsolateException(
          "the server's socket would be "
              + socket
              + ", which is "
              + length
              + " bytes long; a UNIX socket path has at most "
              + MAX_SOCKET_PATH
              + ". Hint: choose a shorter data root (--data-root).");
    }
  }

  private static byte[] bytes() {
    byte[] b = new byte[5];
    RANDOM.nextBytes(b);
    return b;
  }

  private void prepareExplicitDataDir(RunAs runAs) {
    try {
      if (Files.exists(dataDir)) {
        try (Stream<Path> entries = Files.list(dataDir)) {
          if (entries.findAny().isPresent()) {
            throw new PgIsolateException(
                "data directory "
                    + dataDir
                    + " is not empty. Hint: name a new or empty directory; pgisolate creates"
                    + " clusters, it does not adopt existing ones.");
          }
        }
        Files.delete(dataDir);
      }
      Path parent = dataDir.getParent();
      Files.createDirectories(parent);
      if (!Files.isWritable(parent)) {
        throw new IOException("permission denied");
      }
      if (runAs.switchesUser() && !runAs.canWrite(parent)) {
        throw new IOException(
            "user " + runAs.user().name() + ", who runs the server, cannot write to " + parent);
      }
      ownsExternalData = true;
      Files.writeString(workDir.resolve(EXTERNAL_DATA), dataDir.toString());
    } catch (IOException e) {
      throw new PgIsolateException(
          "data directory "
              + dataDir
              + " cannot be created: "
              + e.getMessage()
              + ". Hint: name a directory in a location "
              + runAs.user().name()
              + " can write to.",
          e);
    }
  }

  /** Deletes every file of the cluster and releases its lock. */
  void delete() {
    if (externalData && ownsExternalData) {
      Directories.deleteTree(dataDir);
    }
    Directories.deleteTree(workDir);
    releaseLock();
  }

  /**
   * Keeps the files (marked at creation, so the reaper leaves them alone) and releases the lock.
   */
  void keep() {
    releaseLock();
  }

  private void releaseLock() {
    if (lock != null) {
      try {
        Files.deleteIfExists(lockFile);
      } catch (IOException e) {
        // The reaper removes lock files it can take; a leftover one is harmless.
      }
      lock.close();
      lock = null;
    }
  }
}
