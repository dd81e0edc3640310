package io.pgisolate.bench;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.os.RunAs;
import io.pgisolate.proxy.ProxyServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Issue 6: pgbench -S throughput at several client counts, interleaved (A B C A B C …): straight to
 * PostgreSQL over TCP, through the pgisolate proxy (plain pass-through) and through pgbouncer in
 * session mode. Every contender talks to the same server and the same pgbench tables.
 *
 * <p>The proxy runs inside this JVM, which does nothing else while pgbench runs: that is the same
 * work as a separate {@code pgisolate proxy} process, without a second JVM's start-up and with the
 * proxy's code compiled by the warm-up round, as it would be in a long-running proxy.
 */
final class ProxyBench {
  private ProxyBench() {}

  /**
   * One way to reach the server.
   *
   * @param pid the process in the middle (proxy or pgbouncer) whose CPU time is counted, or -1
   */
  private record Target(String name, Pgbench.Endpoint endpoint, long pid) {}

  /** What was measured for one target at one client count. */
  private record Measured(Rates tps, Rates cpuMicrosPerTransaction) {}

  static void run(String[] args) throws Exception {
    int seconds = Main.intOption(args, "--seconds", 10);
    int rounds = Main.intOption(args, "--rounds", 3);
    int scale = Main.intOption(args, "--scale", 10);
    // 0: the proxy's own default (see ProxyServer.Builder#eventLoopThreads).
    int proxyThreads = Main.intOption(args, "--proxy-threads", 0);
    String transport = Main.stringOption(args, "--backend-transport", "tcp");
    if (!transport.equals("tcp") && !transport.equals("unix")) {
      throw new IllegalArgumentException(
          "--backend-transport must be tcp or unix, was '" + transport + "'");
    }
    boolean unix = transport.equals("unix");
    List<Integer> clientCounts =
        Arrays.stream(Main.stringOption(args, "--clients", "1,8,32").split(","))
            .map(String::trim)
            .map(Integer::parseInt)
            .toList();
    int maxClients = clientCounts.stream().mapToInt(Integer::intValue).max().orElse(1);
    Pgbench pgbench = Pgbench.find();
    Optional<Path> bouncerExecutable = Pgbouncer.find();

    try (TempCluster pg =
        TempCluster.builder()
            .setting("max_connections", Integer.toString(3 * maxClients + 10))
            .start()) {
      System.out.printf(
          "proxy: pgbench -S, scale %d, %d s per run, %d interleaved rounds, clients %s%n",
          scale, seconds, rounds, clientCounts);
      if (bouncerExecutable.isEmpty()) {
        System.out.println(
            "pgbouncer is not installed, so it is left out of this run. Hint: "
                + Pgbouncer.INSTALL_HINT);
      }
      Pgbench.Endpoint direct =
          new Pgbench.Endpoint(pg.host(), pg.port(), pg.user(), pg.password(), pg.database());
      pgbench.initialise(direct, scale);

      ProxyServer.Builder proxyBuilder =
          ProxyServer.builder().backendUser(pg.user()).backendPassword(pg.password());
      if (proxyThreads > 0) {
        proxyBuilder.eventLoopThreads(proxyThreads);
      }
      if (unix) {
        proxyBuilder.backendSocket(pg.socketDirectory().resolve(".s.PGSQL." + pg.port()));
      } else {
        proxyBuilder.backend(pg.host(), pg.port());
      }
      // pgbouncer takes a socket directory as its host, as libpq does.
      String bouncerBackendHost = unix ? pg.socketDirectory().toString() : pg.host();
      try (ProxyServer proxy = proxyBuilder.start();
          Pgbouncer bouncer =
              bouncerExecutable
                  .map(
                      exe ->
                          Pgbouncer.start(
                              exe,
                              RunAs.resolve(Optional.empty()),
                              bouncerBackendHost,
                              pg.port(),
                              pg.user(),
                              pg.password(),
                              maxClients))
                  .orElse(null)) {
        System.out.printf(
            "%s; %d cores; proxy in this JVM with %d event loop thread(s); load average %s%n",
            pg.binaries(),
            Runtime.getRuntime().availableProcessors(),
            proxy.settings().eventLoopThreads(),
            loadAverage());
        System.out.printf(
            "pgbench connects over TCP; the proxy and pgbouncer reach PostgreSQL over %s%n",
            unix ? "its UNIX socket" : "TCP");
        List<Target> targets = new ArrayList<>();
        targets.add(new Target("direct (TCP)", direct, -1));
        targets.add(
            new Target(
                "pgisolate proxy (plain)",
                new Pgbench.Endpoint(proxy.host(), proxy.port(), "bench", null, pg.database()),
                ProcessHandle.current().pid()));
        if (bouncer != null) {
          targets.add(
              new Target(
                  "pgbouncer (session)",
                  new Pgbench.Endpoint("127.0.0.1", bouncer.port(), pg.user(), null, pg.database()),
                  bouncer.pid()));
        }
        throughput(pgbench, targets, clientCounts, seconds, rounds);
        if (bouncer == null) {
          System.out.println(
              "pgbouncer was not measured: it is not installed. Hint: " + Pgbouncer.INSTALL_HINT);
        }
      }
    }
  }

  /** pgbench -S against every target, interleaved per client count, then the table. */
  private static void throughput(
      Pgbench pgbench, List<Target> targets, List<Integer> clientCounts, int seconds, int rounds) {
    int cores = Runtime.getRuntime().availableProcessors();
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
          if (measured.size() > 2) {
            System.out.printf(
                "%-8s proxy/pgbouncer %.2fx (medians)%n",
                "", measured.get(1).tps().median() / measured.get(2).tps().median());
          }
        });
    System.out.printf("load average at the end %s%n", loadAverage());
    System.out.println(
        "CPU us/tx: median CPU time of the proxy's JVM or of pgbouncer per transaction.");
    System.out.println("Target (issue 6): proxy TPS >= pgbouncer's at every client count.");
  }

  private static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException e) {
      return "unknown";
    }
  }
}
