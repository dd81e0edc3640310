package io.pgisolate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU time a process has used, all its threads summed, from Linux's /proc/PID/task/TID/schedstat
 * (first field: nanoseconds on a CPU). Divided by the transactions of a run it says what each
 * transaction cost the process, a figure that varies less on a busy machine than TPS does.
 */
final class CpuTime {
  private CpuTime() {}

  /** Nanoseconds of CPU used so far by {@code pid}, or -1 where /proc does not tell. */
  static long nanos(long pid) {
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    long total = 0;
    try (Stream<Path> threads = Files.list(tasks)) {
      for (Path thread : (Iterable<Path>) threads::iterator) {
        try {
          total += Long.parseLong(Files.readString(thread.resolve("schedstat")).split(" ")[0]);
        } catch (IOException | RuntimeException threadEnded) {
          // A thread that ended between listing and reading: its time is lost, as it is gone.
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return total;
  }
}
