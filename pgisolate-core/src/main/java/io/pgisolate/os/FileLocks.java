package io.pgisolate.os;

import io.pgisolate.PgIsolateException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Exclusive locks on files, across threads and across processes. The OS lock is per process, so a
 * JVM-wide permit per path is taken first (a semaphore, not a lock owned by a thread: a cluster
 * started on one thread may be closed on another, such as a shutdown hook); the OS releases the
 * file lock when its process dies, which is what makes these locks safe against crashes.
 */
public final class FileLocks {
  private static final ConcurrentMap<Path, Semaphore> IN_JVM = new ConcurrentHashMap<>();

  private FileLocks() {}

  /** A held lock; closing releases it. */
  public static final class Held implements AutoCloseable {
    private final Semaphore jvmLock;
    private final FileChannel channel;
    private final FileLock lock;

    private Held(Semaphore jvmLock, FileChannel channel, FileLock lock) {
      this.jvmLock = jvmLock;
      this.channel = channel;
      this.lock = lock;
    }

    @Override
    public void close() {
      try {
        lock.release();
        channel.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        jvmLock.release();
      }
    }
  }

  /**
   * Waits up to {@code timeout} for the lock on {@code file}, created if missing. {@code purpose}
   * says in a timeout message what was waited for.
   */
  public static Held acquire(Path file, Duration timeout, String purpose) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Semaphore jvmLock = IN_JVM.computeIfAbsent(file.toAbsolutePath(), p -> new Semaphore(1));
    try {
      if (!jvmLock.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw timeout(file, timeout, purpose);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PgIsolateException("interrupted while waiting for the lock " + file, e);
    }
    try {
      FileChannel channel = open(file);
      long pause = TimeUnit.MILLISECONDS.toNanos(1);
      while (true) {
        FileLock lock = channel.tryLock();
        if (lock != null) {
          return new Held(jvmLock, channel, lock);
        }
        if (System.nanoTime() > deadline) {
          channel.close();
          throw timeout(file, timeout, purpose);
        }
        // Another process holds it (building a cache, typically for a second): back off.
        LockSupport.parkNanos(pause);
        pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(50));
      }
    } catch (IOException e) {
      jvmLock.release();
      throw new UncheckedIOException("could not lock " + file, e);
    } catch (RuntimeException e) {
      jvmLock.release();
      throw e;
    }
  }

  /** Takes the lock if nobody holds it; empty when a live process (or this JVM) does. */
  public static java.util.Optional<Held> tryAcquire(Path file) {
    Semaphore jvmLock = IN_JVM.computeIfAbsent(file.toAbsolutePath(), p -> new Semaphore(1));
    if (!jvmLock.tryAcquire()) {
      return java.util.Optional.empty();
    }
    try {
      FileChannel channel = open(file);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        jvmLock.release();
        return java.util.Optional.empty();
      }
      return java.util.Optional.of(new Held(jvmLock, channel, lock));
    } catch (IOException | RuntimeException e) {
      jvmLock.release();
      return java.util.Optional.empty();
    }
  }

  private static FileChannel open(Path file) throws IOException {
    return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  private static PgIsolateException timeout(Path file, Duration timeout, String purpose) {
    return new PgIsolateException(
        "timed out after "
            + timeout.toMillis()
            + " ms waiting for the lock on "
            + file
            + " ("
            + purpose
            + "). Hint: another process holds it; if none should, delete the file.");
  }
}
