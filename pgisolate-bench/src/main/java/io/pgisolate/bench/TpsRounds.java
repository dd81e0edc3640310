package io.pgisolate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * pgbench -S against several targets, interleaved at each client count in every round (A B C A B C
 * …) after an untimed warm-up of each, with the CPU time the process in the middle spent per
 * transaction; then a table of TPS (min / median / max) and each median's ratio to the first
 * target's at the same client count.
 */
final class TpsRounds {
  /** What a target's every pgbench run, warm-up included, happens inside: an open test, say. */
  interface Around {
    Around NONE = () -> () -> {};

    /** Called before the run; the run is followed by closing what it returns. */
    AutoCloseable open() throws Exception;
  }

  /**
   * One way to reach the server.
   *
   * @param pid the process in the middle (proxy or pgbouncer) whose CPU time is counted, or -1
   */
  record Target(String name, Pgbench.Endpoint endpoint, long pid, Around around) {
    Target(String name, Pgbench.Endpoint endpoint, long pid) {
      this(name, endpoint, pid, Around.NONE);
    }
  }

  /** What was measured for one target at one client count. */
  static final class Measured {
    final Target target;
    final Rates tps;
    final Rates cpuMicrosPerTransaction;
    final Rates serverCpuMicrosPerTransaction;
    private long failed;
    private boolean failuresUnknown;

    Measured(Target target) {
      this.target = target;
      this.tps = new Rates(target.name());
      this.cpuMicrosPerTransaction = new Rates(target.name());
      this.serverCpuMicrosPerTransaction = new Rates(target.name());
    }

    Rates tps() {
      return tps;
    }

    /** Failed transactions in all runs, as pgbench reported them; -1 if it did not. */
    long failed() {
      return failuresUnknown ? -1 : failed;
    }
  }

  private final Pgbench pgbench;
  private final List<Target> targets;
  private final int seconds;
  private final int rounds;
  private final long serverPid;
  private final int cores = Runtime.getRuntime().availableProcessors();
  private final int nameWidth;

  TpsRounds(Pgbench pgbench, List<Target> targets, int seconds, int rounds) {
    this(pgbench, targets, seconds, rounds, -1);
  }

  /**
   * @param serverPid PostgreSQL's postmaster, for a column of the CPU time PostgreSQL (all its
   *     processes) spent per transaction; -1 for none
   */
  TpsRounds(Pgbench pgbench, List<Target> targets, int seconds, int rounds, long serverPid) {
    this.pgbench = pgbench;
    this.targets = List.copyOf(targets);
    this.seconds = seconds;
    this.rounds = rounds;
    this.serverPid = serverPid;
    this.nameWidth =
        Math.max(28, targets.stream().mapToInt(t -> t.name().length()).max().orElse(0));
  }

  /**
   * Runs every round and prints each run as it ends.
   *
   * @return per client count, what was measured for each target, in the targets' order
   */
  Map<Integer, List<Measured>> measure(List<Integer> clientCounts) throws Exception {
    // Warm-up, untimed: JIT-compiles the proxy and fills PostgreSQL's buffers.
    for (Target t : targets) {
      try (AutoCloseable around = t.around().open()) {
        pgbench.selectOnly(t.endpoint(), Math.min(8, cores * 4), Math.min(2, cores), 3);
      }
    }
    Map<Integer, List<Measured>> results = new LinkedHashMap<>();
    for (int clients : clientCounts) {
      List<Measured> perTarget = new ArrayList<>();
      targets.forEach(t -> perTarget.add(new Measured(t)));
      results.put(clients, perTarget);
    }
    for (int round = 1; round <= rounds; round++) {
      System.out.printf("round %d of %d, load average %s%n", round, rounds, loadAverage());
      for (int clients : clientCounts) {
        for (int i = 0; i < targets.size(); i++) {
          once(results.get(clients).get(i), clients);
        }
      }
    }
    return results;
  }

  private void once(Measured m, int clients) throws Exception {
    Target target = m.target;
    Pgbench.Result result;
    long cpuBefore;
    long cpuAfter;
    long serverBefore;
    long serverAfter;
    try (AutoCloseable around = target.around().open()) {
      cpuBefore = target.pid() < 0 ? -1 : CpuTime.nanos(target.pid());
      long children = serverPid < 0 ? 0 : CpuTime.children(serverPid);
      serverBefore = serverPid < 0 ? -1 : CpuTime.treeNanos(serverPid);
      result = pgbench.selectOnly(target.endpoint(), clients, Math.min(clients, cores), seconds);
      cpuAfter = target.pid() < 0 ? -1 : CpuTime.nanos(target.pid());
      serverAfter = serverPid < 0 ? -1 : afterBackendsEnded(children);
    }
    m.tps.add(result.tps());
    if (result.failed() < 0) {
      m.failuresUnknown = true;
    } else {
      m.failed += result.failed();
    }
    StringBuilder line =
        new StringBuilder(
            String.format(
                "  -c %-3d %-" + nameWidth + "s %10.0f tps", clients, target.name(), result.tps()));
    if (cpuBefore >= 0 && cpuAfter >= 0 && result.transactions() > 0) {
      double micros = (cpuAfter - cpuBefore) / 1e3 / result.transactions();
      m.cpuMicrosPerTransaction.add(micros);
      line.append(String.format(" %6.1f us CPU/tx in the middle", micros));
    }
    if (serverBefore >= 0 && serverAfter >= 0 && result.transactions() > 0) {
      double micros = (serverAfter - serverBefore) / 1e3 / result.transactions();
      m.serverCpuMicrosPerTransaction.add(micros);
      line.append(String.format(", %6.1f in PostgreSQL", micros));
    }
    if (result.failed() > 0) {
      line.append(String.format(", %d FAILED transactions", result.failed()));
    }
    System.out.println(line);
  }

  /**
   * PostgreSQL's CPU time once the run's backends have ended and been reaped (their time is then in
   * the postmaster's cutime), which happens just after pgbench or the proxy disconnects.
   */
  private long afterBackendsEnded(long childrenBefore) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (CpuTime.children(serverPid) > childrenBefore && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    return CpuTime.treeNanos(serverPid);
  }

  /**
   * The table of {@link #measure}'s results; {@code footer} prints lines of its own after each
   * client count's rows.
   */
  void print(Map<Integer, List<Measured>> results, BiConsumer<Integer, List<Measured>> footer) {
    boolean server = serverPid >= 0;
    System.out.printf(
        "%nTPS, pgbench -S -M %s -T %d (-j = min(clients, %d cores))%n",
        pgbench.queryMode(), seconds, cores);
    System.out.printf(
        "%-8s %-" + nameWidth + "s %5s %10s %10s %10s %9s %12s%s%n",
        "clients",
        "contender",
        "runs",
        "min",
        "median",
        "max",
        "/direct",
        "CPU us/tx",
        server ? String.format(" %12s", "PG CPU us/tx") : "");
    results.forEach(
        (clients, measured) -> {
          double direct = measured.get(0).tps.median();
          for (Measured m : measured) {
            Rates r = m.tps;
            System.out.printf(
                "%-8d %-" + nameWidth + "s %5d %10.0f %10.0f %10.0f %8.2fx %12s%s%n",
                clients,
                r.name,
                r.count(),
                r.min(),
                r.median(),
                r.max(),
                r.median() / direct,
                medianOrBlank(m.cpuMicrosPerTransaction),
                server
                    ? String.format(" %12s", medianOrBlank(m.serverCpuMicrosPerTransaction))
                    : "");
          }
          footer.accept(clients, measured);
        });
  }

  private static String medianOrBlank(Rates rates) {
    return rates.count() == 0 ? "" : String.format("%.1f", rates.median());
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
