package io.pgisolate.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Whether a CPU is free for the proxy to poll on, from the kernel's count of runnable tasks (the
 * fourth field of {@code /proc/loadavg}, {@code running/total}): the caller is one of them, so a
 * count up to the number of CPUs means every other runnable task has a CPU and polling takes time
 * from nobody. Above it, polling would take CPU from PostgreSQL and the clients.
 *
 * <p>The file is read at most once per {@link #SAMPLE_NANOS}, by whichever event loop finds the
 * last answer stale (the others keep that answer meanwhile), through one descriptor the JVM keeps
 * open: opening the file for each sample cost more than the read. Where there is no {@code
 * /proc/loadavg} (not Linux) the answer is always yes: polling is bounded and yields the CPU
 * anyway.
 */
final class FreeCpu {
  static final long SAMPLE_NANOS = 2_000_000;
  private static final Path LOADAVG = Path.of("/proc/loadavg");

  /** One for the JVM: every event loop of every proxy reads the same machine-wide count. */
  private static final FreeCpu ON_THIS_MACHINE =
      new FreeCpu(Runtime.getRuntime().availableProcessors(), System::nanoTime, LOADAVG);

  private final int cpus;
  private final LongSupplier clock;
  private final FileChannel file; // null: no such file here
  private final ReentrantLock sampling = new ReentrantLock();
  private final ByteBuffer buffer = ByteBuffer.allocate(128); // guarded by sampling
  private volatile boolean sampled;
  private volatile long sampledAt;
  private volatile boolean free = true;

  FreeCpu(int cpus, LongSupplier clock, Path loadavg) {
    this.cpus = cpus;
    this.clock = clock;
    this.file = open(loadavg);
  }

  static FreeCpu onThisMachine() {
    return ON_THIS_MACHINE;
  }

  private static FileChannel open(Path file) {
    try {
      return FileChannel.open(file, StandardOpenOption.READ);
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  /** True when, at the last sample, no more tasks were runnable than there are CPUs. */
  boolean now() {
    if (file == null) {
      return true;
    }
    long now = clock.getAsLong();
    if ((!sampled || now - sampledAt >= SAMPLE_NANOS) && sampling.tryLock()) {
      try {
        if (!sampled || now - sampledAt >= SAMPLE_NANOS) {
          int running = runnable();
          free = running < 0 || running <= cpus;
          sampledAt = now;
          sampled = true;
        }
      } finally {
        sampling.unlock();
      }
    }
    return free;
  }

  /** The runnable-task count, or -1 if the file cannot be read or parsed. */
  private int runnable() {
    buffer.clear();
    try {
      // procfs makes the text anew for every read from offset 0.
      while (buffer.hasRemaining() && file.read(buffer, buffer.position()) > 0) {
        // the whole line, usually in one read
      }
    } catch (IOException e) {
      return -1;
    }
    return parse(buffer.flip());
  }

  /** Parses "0.52 1.46 2.55 3/512 1234": the number before the slash. */
  static int parse(ByteBuffer line) {
    int spaces = 0;
    int value = -1;
    while (line.hasRemaining()) {
      byte b = line.get();
      if (spaces < 3) {
        if (b == ' ') {
          spaces++;
        }
      } else if (b >= '0' && b <= '9') {
        value = (value < 0 ? 0 : value * 10) + (b - '0');
      } else {
        return b == '/' ? value : -1;
      }
    }
    return -1;
  }
}
