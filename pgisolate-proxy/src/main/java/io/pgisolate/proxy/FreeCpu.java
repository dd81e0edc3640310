package io.pgisolate.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.LongSupplier;

/**
 * Whether a CPU is free for the proxy to poll on, from the kernel's count of runnable tasks (the
 * fourth field of {@code /proc/loadavg}, {@code running/total}): the caller is one of them, so a
 * count up to the number of CPUs means every other runnable task has a CPU and polling takes time
 * from nobody. Above it, polling would take CPU from PostgreSQL and the clients.
 *
 * <p>The file is read at most once per {@link #SAMPLE_NANOS} (a read costs a few microseconds);
 * between reads the last answer holds. Where there is no {@code /proc/loadavg} (not Linux) the
 * answer is always yes: polling is bounded and yields the CPU anyway.
 *
 * <p>Not thread-safe: each event loop has its own.
 */
final class FreeCpu {
  static final long SAMPLE_NANOS = 2_000_000;
  private static final Path LOADAVG = Path.of("/proc/loadavg");

  private final int cpus;
  private final LongSupplier clock;
  private final Path loadavg;
  private final boolean readable;
  private final ByteBuffer buffer = ByteBuffer.allocate(128);
  private long sampledAt;
  private boolean sampled;
  private boolean free = true;

  FreeCpu(int cpus, LongSupplier clock) {
    this(cpus, clock, LOADAVG);
  }

  FreeCpu(int cpus, LongSupplier clock, Path loadavg) {
    this.cpus = cpus;
    this.clock = clock;
    this.loadavg = loadavg;
    this.readable = Files.isReadable(loadavg);
  }

  /** True when, at the last sample, no more tasks were runnable than there are CPUs. */
  boolean now() {
    if (!readable) {
      return true;
    }
    long now = clock.getAsLong();
    if (!sampled || now - sampledAt >= SAMPLE_NANOS) {
      sampled = true;
      sampledAt = now;
      int running = runnable();
      free = running < 0 || running <= cpus;
    }
    return free;
  }

  /** The runnable-task count, or -1 if the file cannot be read or parsed. */
  private int runnable() {
    buffer.clear();
    // Opened for each sample rather than held: nothing to close when the event loop ends.
    try (FileChannel file = FileChannel.open(loadavg, StandardOpenOption.READ)) {
      while (buffer.hasRemaining() && file.read(buffer) > 0) {
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
