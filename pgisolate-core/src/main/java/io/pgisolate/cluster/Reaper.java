package io.pgisolate.cluster;

import io.pgisolate.os.Directories;
import io.pgisolate.os.FileLocks;
import io.pgisolate.os.Signals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what crashed JVMs left: at every start, each cluster directory whose lock nobody holds
 * has its postmaster stopped and its files deleted. Clusters kept on purpose are left alone.
 */
final class Reaper {
  private static final Logger log = LoggerFactory.getLogger(Reaper.class);

  /** A directory without a lock file younger than this may be a cluster being created. */
  private static final Duration UNLOCKED_GRACE = Duration.ofMinutes(1);

  private Reaper() {}

  static void reap(Path base) {
    if (!Files.isDirectory(base)) {
      return;
    }
    List<Path> entries;
    try (Stream<Path> list = Files.list(base)) {
      entries = list.toList();
    } catch (IOException e) {
      log.debug("Cannot list {}: {}", base, e.toString());
      return;
    }
    for (Path entry : entries) {
      String name = entry.getFileName().toString();
      try {
        if (name.endsWith(ClusterLayout.LOCK_SUFFIX)) {
          reapLocked(base, name.substring(0, name.length() - ClusterLayout.LOCK_SUFFIX.length()));
        } else if (Files.isDirectory(entry)
            && !Files.exists(base.resolve(name + ClusterLayout.LOCK_SUFFIX))) {
          reapUnlocked(entry);
        }
      } catch (RuntimeException e) {
        // Reaping is a courtesy: never let it stop a start.
        log.warn("Could not clean up {}: {}", entry, e.toString());
      }
    }
  }

  private static void reapLocked(Path base, String id) {
    Path lockFile = base.resolve(id + ClusterLayout.LOCK_SUFFIX);
    Optional<FileLocks.Held> lock = FileLocks.tryAcquire(lockFile);
    if (lock.isEmpty()) {
      return; // its JVM is alive (or it is ours)
    }
    try (FileLocks.Held held = lock.get()) {
      Path workDir = base.resolve(id);
      if (!Files.exists(workDir.resolve(ClusterLayout.PERSIST_MARKER))) {
        remove(workDir);
      }
      Files.deleteIfExists(lockFile);
    } catch (IOException e) {
      log.debug("Could not delete {}: {}", lockFile, e.toString());
    }
  }

  private static void reapUnlocked(Path workDir) throws RuntimeException {
    if (Files.exists(workDir.resolve(ClusterLayout.PERSIST_MARKER))) {
      return;
    }
    try {
      Instant modified = Files.getLastModifiedTime(workDir).toInstant();
      if (modified.plus(UNLOCKED_GRACE).isAfter(Instant.now())) {
        return;
      }
    } catch (IOException e) {
      return;
    }
    remove(workDir);
  }

  /** Stops the postmaster of a leftover cluster, then deletes its files. */
  private static void remove(Path workDir) {
    Path dataDir = workDir.resolve("data");
    Path pointer = workDir.resolve(ClusterLayout.EXTERNAL_DATA);
    boolean external = Files.exists(pointer);
    if (external) {
      try {
        dataDir = Path.of(Files.readString(pointer).strip());
      } catch (IOException e) {
        log.debug("Cannot read {}: {}", pointer, e.toString());
      }
    }
    postmasterOf(dataDir).ifPresent(pid -> stop(pid));
    log.info("Removing the leftover cluster {} of a JVM that is gone", workDir);
    if (external) {
      Directories.deleteTree(dataDir);
    }
    Directories.deleteTree(workDir);
  }

  /**
   * The live postmaster of {@code dataDir}: the pid in postmaster.pid, checked to be a process
   * whose working directory is that data directory (a pid may have been reused).
   */
  static Optional<Long> postmasterOf(Path dataDir) {
    try {
      List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
      if (lines.isEmpty()) {
        return Optional.empty();
      }
      long pid = Long.parseLong(lines.get(0).strip());
      Path cwd = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"));
      return cwd.equals(dataDir.toRealPath()) ? Optional.of(pid) : Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static void stop(long pid) {
    log.info("Stopping orphaned postmaster {}", pid);
    Signals.send(pid, "QUIT");
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty()) {
      return;
    }
    try {
      handle.get().onExit().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      Signals.send(pid, "KILL");
    }
  }
}
