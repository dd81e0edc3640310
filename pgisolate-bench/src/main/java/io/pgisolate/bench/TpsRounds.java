package io.pgisolate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * pgbench -S against several targets, interleaved at each client count in every round (A B C A B C
 * …) after an untimed warm-up of each, with the CPU time the process in the middle spent per
 * transaction; then a table of TPS (min / median / max) and each median's ratio to the first
 * target's at the same client count.
 */
final class TpsRounds {
  /**
   * One way to reach the server.
   *
   * @param pid the process in the middle (proxy or pgbouncer) whose CPU time is counted, or -1
   */
  record Target(String name, Pgbench.Endpoint endpoint, long pid) {}

  /** What was measured for one target at one client count. */
  record Measured(Rates tps, Rates cpuMicrosPerTransaction) {}

  private final Pgbench pgbench;
  private final List<Target> targets;
  private final int seconds;
  private final int rounds;
  private final int cores = Runtime.getRuntime().availableProcessors();

  TpsRounds(Pgbench pgbench, List<Target> targets, int seconds, int rounds) {
    this.pgbench = pgbench;
    this.targets = List.copyOf(targets);
    this.seconds = seconds;
    this.rounds = rounds;
  }

  /**
   * Runs every round and prints each run as it ends.
   *
   * @return per client count, what was measured for each target, in the targets' order
   */
  Map<Integer, List<Measured>> measure(List<Integer> clientCounts) {
    // Warm-up, untimed: JIT-compiles the proxy and fills PostgreSQL's buffers.
    for (Target t : targets) {
      pgbench.selectOnly(t.endpoint(), Math.min(8, cores * 4), Math.min(2, cores), 3);
    }
    Map<Integer, List<Measured>> results = new LinkedHashMap<>();
    for (int clients : clientCounts) {
      List<Measured> perTarget = new ArrayList<>();
      targets.forEach(t -> perTarget.add(new Measured(new Rates(t.name()), new Rates(t.name()))));
      results.put(clients, perTarget);
    }
    for (int round = 1; round <= rounds; round++) {
      System.out.printf("round %d of %d, load average %s%n", round, rounds, loadAverage());
      for (int clients : clientCounts) {
        int threads = Math.min(clients, cores);
        for (int i = 0; i < targets.size(); i++) {
          Target target = targets.get(i);
          long cpuBefore = target.pid() < 0 ? -1 : CpuTime.nanos(target.pid());
          Pgbench.Result result = pgbench.selectOnly(target.endpoint(), clients, threads, seconds);
          long cpuAfter = target.pid() < 0 ? -1 : CpuTime.nanos(target.pid());
          Measured m = results.get(clients).get(i);
          m.tps().add(result.tps());
          String cpu = "";
          if (cpuBefore >= 0 && cpuAfter >= 0 && result.transactions() > 0) {
            double micros = (cpuAfter - cpuBefore) / 1e3 / result.transactions();
            m.cpuMicrosPerTransaction().add(micros);
            cpu = String.format(" %6.1f us CPU/tx in the middle", micros);
          }
          System.out.printf(
              "  -c %-3d %-28s %10.0f tps%s%n", clients, target.name(), result.tps(), cpu);
        }
      }
    }
    return results;
  }

  /**
   * The table of {@link #measure}'s results; {@code footer} prints lines of its own after each
   * client count's rows.
   */
  void print(Map<Integer, List<Measured>> results, BiConsumer<Integer, List<Measured>> footer) {
    System.out.printf("%nTPS, pgbench -S -T %d (-j = min(clients, %d cores))%n", seconds, cores);
    System.out.printf(
        "%-8s %-28s %5s %10s %10s %10s %9s %12s%n",
        "clients", "contender", "runs", "min", "median", "max", "/direct", "CPU us/tx");
    results.forEach(
        (clients, measured) -> {
          double direct = measured.get(0).tps().median();
          for (Measured m : measured) {
            Rates r = m.tps();
            Rates cpu = m.cpuMicrosPerTransaction();
            System.out.printf(
                "%-8d %-28s %5d %10.0f %10.0f %10.0f %8.2fx %12s%n",
                clients,
                r.name,
                r.count(),
                r.min(),
                r.median(),
                r.max(),
                r.median() / direct,
                cpu.count() == 0 ? "" : String.format("%.1f", cpu.median()));
          }
          footer.accept(clients, measured);
        });
  }

  /** The 1, 5 and 15 minute load averages, from /proc/loadavg. */
  static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException e) {
      return "unknown";
    }
  }
}
