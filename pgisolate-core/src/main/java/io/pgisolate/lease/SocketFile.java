package io.pgisolate.lease;

import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import io.pgisolate.PgIsolateException;
import io.pgisolate.os.DaemonThreads;
import io.pgisolate.os.Directories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening UNIX socket of a lease server, and the file it lives at.
 *
 * <ul>
 *   <li>Missing directories are created 0700, so only the user can enter them.
 *   <li>The socket is bound in a private staging directory, made 0600 and only then renamed into
 *       place, so no other user can ever connect to it, even in a shared directory like /tmp (Linux
 *       checks write permission on the socket file at connect). The rename also replaces a stale
 *       socket atomically. Its name holds the server's pid, so the staging directory a server
 *       killed mid-bind leaves is removed by the next one (see {@link StagingDirectory}).
 *   <li>{@code <socket>.lock} is held while the server runs: a second pgisolate server is refused
 *       at once, and a crashed one (whose lock the kernel dropped) is replaced. A socket that
 *       accepts connections without that lock held (a running pgmanager) is refused too.
 *   <li>At close, the socket file, the lock file and the directories the server made (when empty)
 *       are removed: nothing is left behind. The lock file is removed while still locked, so a
 *       server starting just then may lock the removed file; it sees that the path no longer names
 *       the file it locked (the pid it wrote is not there) and locks a new one. A stopping server
 *       marks its lock file first: one starting meanwhile waits for it (at most a minute) instead
 *       of refusing to start.
 *   <li>The listener is bound with Netty's native socket and handed to an epoll channel, which owns
 *       its descriptor from then on (the lease server registers it on its event loop).
 *   <li>A socket file deleted while the server runs (a /tmp cleaner, an {@code rm -rf} of its
 *       directory) is put back by {@link #relistenIfDeleted}, with its lock file: otherwise no
 *       client could reach the server, and a new one would be refused for the lock it holds.
 * </ul>
 */
final class SocketFile implements AutoCloseable {
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  /**
   * The lock files servers of this JVM hold. Closing any descriptor of a file drops every POSIX
   * lock the process holds on it, so a second server here must not even open a first one's.
   */
  private static final Set<Path> LOCKED_HERE = ConcurrentHashMap.newKeySet();

  /** How long a starting server waits for a stopping one on its socket. */
  static final Duration STOPPING_WAIT = Duration.ofSeconds(60);

  /** The end of the lock file of a stopping server (after its pid). */
  private static final String STOPPING = " stopping\n";

  private static final Logger LOG = LoggerFactory.getLogger(SocketFile.class);

  /** Ends waits for a stopping server that take too long. */
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("pgisolate-lease-lock-wait"));

  private final Path path;

  /** The directories bind made, deepest first: removed at close when empty. */
  private final List<Path> madeDirectories;

  // Replaced on the event loop when the file was deleted (relistenIfDeleted).
  private volatile EpollServerDomainSocketChannel channel;
  private volatile HeldLock lock;
  private volatile boolean closed;

  private SocketFile(
      Path path,
      List<Path> madeDirectories,
      EpollServerDomainSocketChannel channel,
      HeldLock lock) {
    this.path = path;
    this.madeDirectories = madeDirectories;
    this.channel = channel;
    this.lock = lock;
  }

  static SocketFile bind(Path socket) {
    return bind(socket, STOPPING_WAIT);
  }

  /**
   * Binds {@code socket}, waiting at most {@code stoppingWait} for a server that is stopping on it
   * (see {@link #markStopping}).
   */
  static SocketFile bind(Path socket, Duration stoppingWait) {
    Path path = socket.toAbsolutePath().normalize();
    Path dir = path.getParent();
    if (Files.isDirectory(path)) {
      throw new PgIsolateException(
          "cannot serve on "
              + path
              + ": it is a directory. Hint: give a socket file path, e.g. "
              + path.resolve("pgmanager.sock")
              + ".");
    }
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.exists(p)) {
        if (!Files.isDirectory(p)) {
          throw new PgIsolateException(
              "cannot serve on "
                  + path
                  + ": "
                  + p
                  + " is not a directory. Hint: choose another place with --socket or "
                  + LeaseSettings.SOCKET_ENV
                  + ".");
        }
        break;
      }
    }
    List<Path> made = new ArrayList<>();
    Path lockFile = lockFile(path);
    HeldLock lock = null;
    // A server stopping in this directory removes it when empty: make it again if that came
    // between making it and creating the lock file in it.
    for (int attempt = 0; lock == null; attempt++) {
      makeDirectory(dir, made);
      try {
        lock = lock(lockFile, path, stoppingWait);
      } catch (DirectoryGone e) {
        if (attempt == 10) {
          throw e.failure;
        }
        continue;
      }
      if (lock == null) {
        throw alreadyRunning(path, lockFile);
      }
    }
    try {
      refuseLiveOrForeign(path);
      StagingDirectory.removeLeftovers(dir);
      return new SocketFile(path, List.copyOf(made), listen(path), lock);
    } catch (RuntimeException e) {
      lock.close();
      LOCKED_HERE.remove(lockFile);
      throw e;
    }
  }

  /**
   * Names the server holding the lock by its pid, and says when it has lost its socket file
   * (deleted while it ran): the one case where killing it is the answer.
   */
  private static PgIsolateException alreadyRunning(Path path, Path lockFile) {
    Optional<Long> pid = lockHolders(lockFile).flatMap(pids -> pids.stream().findFirst());
    String stop = "stop it" + pid.map(p -> " (kill " + p + ")").orElse("");
    String hint =
        Files.exists(path, LinkOption.NOFOLLOW_LINKS)
            ? "). Hint: " + stop
            : "), but its socket file is missing, so no client can reach it until it puts the file"
                + " back (within a second). Hint: if it does not, "
                + stop
                + " and start again";
    return new PgIsolateException(
        "a lease server is already running on "
            + path
            + heldBy(pid, lockFile)
            + hint
            + ", or give this one another socket with --socket or "
            + LeaseSettings.SOCKET_ENV
            + ".");
  }

  /** " (pid 4242 holds /run/pgm.sock.lock", for messages about the server holding the lock. */
  private static String heldBy(Optional<Long> pid, Path lockFile) {
    return " (" + pid.map(p -> "pid " + p).orElse("it") + " holds " + lockFile;
  }

  /** Makes {@code dir} and its missing parents, adding those it made to {@code made}. */
  private static void makeDirectory(Path dir, List<Path> made) {
    List<Path> missing = new ArrayList<>();
    for (Path p = dir; p != null && !Files.exists(p); p = p.getParent()) {
      missing.add(p);
    }
    try {
      Directories.create(dir, "rwx------");
    } catch (UncheckedIOException e) {
      throw new PgIsolateException(
          "cannot create the socket directory "
              + dir
              + ": "
              + e.getCause().getMessage()
              + ". Hint: choose a writable place with --socket or "
              + LeaseSettings.SOCKET_ENV
              + ".",
          e);
    }
    for (Path p : missing) {
      if (!made.contains(p)) {
        made.add(p);
      }
    }
    made.sort(Comparator.comparingInt(Path::getNameCount).reversed());
  }

  private static Path lockFile(Path socket) {
    return socket.resolveSibling(socket.getFileName() + ".lock");
  }

  /**
   * Whether a pgisolate server runs on {@code socket}: one holds {@code <socket>.lock}; pgmanager
   * takes no lock. Read from /proc/locks, not by trying the lock: taking it even for a moment could
   * make a server that starts just then refuse to run. Matched by inode number alone (on overlay
   * file systems the device numbers of stat and /proc/locks may differ); where /proc/locks cannot
   * be read, an existing lock file counts.
   */
  static boolean servedByPgisolate(Path socket) {
    return lockHolders(lockFile(socket.toAbsolutePath())).map(pids -> !pids.isEmpty()).orElse(true);
  }

  /**
   * The pids that hold (or wait for) a lock on {@code lockFile}: none when it does not exist; empty
   * when /proc/locks cannot be read.
   */
  private static Optional<List<Long>> lockHolders(Path lockFile) {
    Object inode;
    try {
      inode = Files.getAttribute(lockFile, "unix:ino");
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.of(List.of()); // no lock file: no pgisolate server ever ran here
    }
    List<String> locks;
    try {
      locks = Files.readAllLines(Path.of("/proc/locks"));
    } catch (IOException e) {
      return Optional.empty();
    }
    // "1: POSIX  ADVISORY  WRITE 4242 fe:00:2196102 0 EOF" (waiters have a "->" before POSIX)
    Pattern held = Pattern.compile("\\s(\\d+)\\s+[0-9a-f]+:[0-9a-f]+:" + inode + "\\s");
    return Optional.of(
        locks.stream()
            .map(held::matcher)
            .filter(Matcher::find)
            .map(m -> Long.parseLong(m.group(1)))
            .toList());
  }

  /**
   * Locks {@code file} for as long as the returned lock is open; null when another process or
   * another server in this JVM holds it. Not {@code FileLocks}: its in-JVM lock is owned by a
   * thread, and a server is often stopped by another thread (a shutdown hook) than started it.
   *
   * <p>The locked file gets this process's pid and a random tag; reading them back at the path
   * proves that the path still names the locked file, not one a stopping server removed after this
   * one opened it (it then locks the new one).
   */
  private static HeldLock lock(Path file, Path socket, Duration stoppingWait) {
    if (!LOCKED_HERE.add(file)) {
      return null;
    }
    FileChannel channel = null;
    FileChannel check = null;
    try {
      for (int attempt = 0; attempt < 10; attempt++) {
        channel =
            FileChannel.open(
                file,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        if (channel.tryLock() == null
            && !(isStopping(file) && lockWhenStopped(channel, file, socket, stoppingWait))) {
          break; // a live server holds it
        }
        String mark =
            ProcessHandle.current().pid()
                + " "
                + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36)
                + "\n";
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(mark.getBytes(StandardCharsets.US_ASCII)), 0);
        check = openIfExists(file);
        if (check != null && mark.equals(contents(check))) {
          return new HeldLock(channel, check);
        }
        // Removed by the server that held it. Closing the other file drops no lock of ours.
        closeQuietly(check);
        closeQuietly(channel);
      }
    } catch (OverlappingFileLockException e) {
      // another server in this JVM holds it
    } catch (PgIsolateException e) {
      closeQuietly(channel); // waited in vain for a stopping server
      LOCKED_HERE.remove(file);
      throw e;
    } catch (NoSuchFileException e) {
      closeQuietly(channel);
      LOCKED_HERE.remove(file);
      throw new DirectoryGone(cannotLock(file, e));
    } catch (IOException e) {
      closeQuietly(check);
      closeQuietly(channel);
      LOCKED_HERE.remove(file);
      throw cannotLock(file, e);
    }
    closeQuietly(channel);
    LOCKED_HERE.remove(file);
    return null;
  }

  /**
   * Whether the server holding {@code file} is stopping: it marked the file so ({@link
   * #markStopping}), or has removed it already (this one opened it just before). Reading it opens a
   * descriptor of its own: harmless, as this process holds no lock on it.
   */
  private static boolean isStopping(Path file) throws IOException {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII).endsWith(STOPPING);
    } catch (NoSuchFileException e) {
      return true;
    }
  }

  /**
   * Waits for a stopping server to let go of the lock, then holds it; at most {@code wait}. A
   * blocking lock, not a poll: the kernel hands it over the moment the other server's lock goes
   * (and lists this process as waiting for it in /proc/locks meanwhile). On time-out another thread
   * closes {@code channel}, which ends the wait.
   *
   * @return true when {@code channel} holds the lock
   * @throws PgIsolateException when the other server has not stopped within {@code wait}
   */
  private static boolean lockWhenStopped(FileChannel channel, Path file, Path socket, Duration wait)
      throws IOException {
    if (wait.isZero()) {
      return false;
    }
    Optional<Long> pid = lockHolders(file).flatMap(pids -> pids.stream().findFirst());
    LOG.info(
        "Waiting for the lease server that is stopping on {}{}",
        socket,
        pid.map(p -> " (pid " + p + ")").orElse(""));
    AtomicInteger state = new AtomicInteger(); // 0 waiting, 1 locked, 2 timed out
    ScheduledFuture<?> timeout =
        TIMER.schedule(
            () -> {
              if (state.compareAndSet(0, 2)) {
                closeQuietly(channel);
              }
            },
            wait.toNanos(),
            TimeUnit.NANOSECONDS);
    try {
      channel.lock();
      if (state.compareAndSet(0, 1)) {
        timeout.cancel(false);
        return true;
      }
    } catch (AsynchronousCloseException e) {
      // timed out: closed by the timer
    }
    throw new PgIsolateException(
        "a lease server is stopping on "
            + socket
            + heldBy(pid, file)
            + ") and has not finished within "
            + (wait.toMillis() % 1000 == 0 ? wait.toSeconds() + " s" : wait.toMillis() + " ms")
            + ". Hint: wait until it has exited"
            + pid.map(p -> ", or kill " + p).orElse("")
            + ", then start again.");
  }

  /**
   * Marks the lock file as the lock of a stopping server: a server starting on the same socket
   * meanwhile waits for this one to finish (dropping databases can take a while) instead of
   * refusing to start for a server that is about to go.
   */
  void markStopping() {
    try {
      FileChannel locked = lock.locked();
      locked.truncate(0);
      locked.write(
          ByteBuffer.wrap(
              (ProcessHandle.current().pid() + STOPPING).getBytes(StandardCharsets.US_ASCII)),
          0);
    } catch (IOException e) {
      // A new server then refuses to start until this one is gone, as it did before.
    }
  }

  /**
   * A lock on a lock file, and a second descriptor of that file: both stay open while it is held,
   * since closing either would drop the process's lock on the file.
   */
  private record HeldLock(FileChannel locked, FileChannel check) {
    void close() {
      closeQuietly(check);
      closeQuietly(locked);
    }
  }

  private static FileChannel openIfExists(Path file) throws IOException {
    try {
      return FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private static String contents(FileChannel channel) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(64);
    while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
      // until the end of the file, or more than any mark
    }
    return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
  }

  private static PgIsolateException cannotLock(Path file, IOException e) {
    return new PgIsolateException(
        "cannot lock " + file + ": " + e + ". Hint: choose a writable place with --socket.", e);
  }

  /** The lock file's directory was removed (by a server stopping there) before it was created. */
  private static final class DirectoryGone extends RuntimeException {
    final PgIsolateException failure;

    DirectoryGone(PgIsolateException failure) {
      super(failure.getMessage(), null, false, false);
      this.failure = failure;
    }
  }

  Path path() {
    return path;
  }

  /** The listening channel, not yet registered on an event loop. */
  EpollServerDomainSocketChannel channel() {
    return channel;
  }

  /**
   * A new listener at the path when the socket file is gone, having locked a new lock file first
   * when that went too (with its directory); empty while the file is there, whatever it is. The old
   * listener, which nobody can reach any more, is closed. Call it on the event loop.
   */
  Optional<EpollServerDomainSocketChannel> relistenIfDeleted() {
    // Closed: close() removed the file, and a check queued before it may still run after it.
    if (closed || Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    Directories.create(path.getParent(), "rwx------");
    Path lockFile = lockFile(path);
    if (!Files.exists(lockFile)) {
      // The old lock is on a deleted file, which nobody else can lock: let go of it first.
      unlock(lockFile);
      HeldLock fresh = lock(lockFile, path, Duration.ZERO);
      if (fresh == null) {
        throw new PgIsolateException(
            "its socket file "
                + path
                + " was deleted, and another lease server holds the new "
                + lockFile
                + ". Hint: stop one of them.");
      }
      lock = fresh;
    }
    EpollServerDomainSocketChannel old = channel;
    channel = listen(path);
    old.close();
    return Optional.of(channel);
  }

  /** A file at the socket path is replaced only when it is a socket nobody listens on. */
  private static void refuseLiveOrForeign(Path path) {
    int mode;
    try {
      mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      throw new UncheckedIOException("could not inspect " + path, e);
    }
    if ((mode & S_IFMT) != S_IFSOCK) {
      throw new PgIsolateException(
          "cannot serve on "
              + path
              + ": a file that is not a socket is in the way. Hint: remove it, or choose another"
              + " socket with --socket or "
              + LeaseSettings.SOCKET_ENV
              + ".");
    }
    try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
      // Connected: a live server (pgmanager, which takes no lock file). Closing at once gives back
      // whatever it leased to this probe.
    } catch (ConnectException e) {
      return; // ECONNREFUSED: left behind by a server that crashed; replaced below
    } catch (IOException e) {
      throw new UncheckedIOException("could not probe " + path, e);
    }
    throw new PgIsolateException(
        "a server is already listening on "
            + path
            + ". Hint: stop it (is a pgmanager running?), or give this one another socket with"
            + " --socket or "
            + LeaseSettings.SOCKET_ENV
            + ".");
  }

  private static EpollServerDomainSocketChannel listen(Path path) {
    Path staging = null;
    Socket listener = null;
    try {
      listener = Socket.newSocketDomain(); // non-blocking, close-on-exec
      staging = StagingDirectory.make(path.getParent());
      Path staged = staging.resolve(StagingDirectory.SOCKET);
      listener.bind(new DomainSocketAddress(staged.toString()));
      listener.listen(512);
      Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rw-------"));
      Files.move(staged, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      // Active: it listens already. Netty never learns the path, so it deletes no file at close.
      return new EpollServerDomainSocketChannel(listener.intValue(), true);
    } catch (IOException e) {
      closeQuietly(listener);
      throw new PgIsolateException(
          "cannot listen on " + path + ": " + e + ". Hint: choose another socket with --socket.",
          e);
    } finally {
      if (staging != null) {
        StagingDirectory.remove(staging);
      }
    }
  }

  /**
   * Stops listening, removes the socket file and the lock file, lets go of the lock, then removes
   * the directories it made that are empty. Call it on the channel's event loop once the channel is
   * registered there.
   */
  @Override
  public void close() {
    closed = true;
    Path lockFile = lockFile(path);
    try {
      if (channel.isRegistered()) {
        channel.close().awaitUninterruptibly();
      } else {
        channel.unsafe().closeForcibly();
      }
      Files.deleteIfExists(path);
      // Removed while locked: a server that opened it meanwhile sees that it is gone (lock()).
      Files.deleteIfExists(lockFile);
    } catch (IOException e) {
      throw new UncheckedIOException("could not remove socket " + path, e);
    } finally {
      unlock(lockFile);
    }
    for (Path dir : madeDirectories) {
      try {
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        break; // not empty (another server's socket, the user's files): it and its parents stay
      }
    }
  }

  private void unlock(Path lockFile) {
    lock.close();
    LOCKED_HERE.remove(lockFile);
  }

  private static void closeQuietly(Channel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException e) {
      // closing a lock file fails only if it was never open
    }
  }

  private static void closeQuietly(Socket socket) {
    if (socket == null) {
      return;
    }
    try {
      socket.close();
    } catch (IOException e) {
      // closing a listener fails only if it was never open
    }
  }

  /** The permission bits of a file, for tests. */
  static Optional<Integer> mode(Path path) {
    try {
      return Optional.of(
          (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
