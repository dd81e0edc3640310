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

  /**
   * Nanoseconds of CPU used so far by {@code pid} and all its children, the ones that have ended
   * included: PostgreSQL's postmaster with its backends. Ended children count from the postmaster's
   * /proc/PID/stat (cutime and cstime, fields 16 and 17: the children it has waited for), in clock
   * ticks of 10 ms (Linux's USER_HZ is 100); live ones from their schedstat. A child that ends
   * between two readings is counted whole in the second, so differences stay right.
   *
   * @return -1 where /proc does not tell
   */
  static long treeNanos(long pid) {
    long own = nanos(pid);
    if (own < 0) {
      return -1;
    }
    long ended;
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name, in parentheses, may hold spaces: count fields after its ')'.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      ended = (Long.parseLong(fields[13]) + Long.parseLong(fields[14])) * 10_000_000L;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    long live =
        ProcessHandle.of(pid).stream()
            .flatMap(ProcessHandle::children)
            .mapToLong(child -> Math.max(0, nanos(child.pid())))
            .sum();
    return own + ended + live;
  }

  /** How many child processes {@code pid} has, ended ones it has not waited for included. */
  static long children(long pid) {
    return ProcessHandle.of(pid).stream().flatMap(ProcessHandle::children).count();
  }
}
