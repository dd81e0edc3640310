package io.pgisolate.bench;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.os.RunAs;
import io.pgisolate.proxy.ProxyServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  static void run(String[] args) throws Exception {
    int seconds = Main.intOption(args, "--seconds", 10);
    int rounds = Main.intOption(args, "--rounds", 3);
    int scale = Main.intOption(args, "--scale", 10);
    // 0: the proxy's own default (see ProxyServer.Builder#eventLoopThreads).
    int proxyThreads = Main.intOption(args, "--proxy-threads", 0, 0);
    // -1: the proxy's own default (see ProxyServer.Builder#spinBeforeSleep).
    int spinMicros = Main.intOption(args, "--spin-micros", -1, 0);
    BackendTransport transport = BackendTransport.fromOptions(args);
    List<Integer> clientCounts = Main.intListOption(args, "--clients", "1,8,32");
    int maxClients = clientCounts.stream().mapToInt(Integer::intValue).max().orElse(1);
    Pgbench pgbench = Pgbench.find();
    Optional<Path> bouncerExecutable = Pgbouncer.find();

    try (TempCluster pg =
        TempCluster.builder()
            .version("18")
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

      ProxyServer.Builder proxyBuilder = transport.plainProxy(pg);
      // The same proxy sleeping as soon as it is out of work, to show what polling first buys.
      ProxyServer.Builder sleepingBuilder = transport.plainProxy(pg).spinBeforeSleep(Duration.ZERO);
      if (proxyThreads > 0) {
        proxyBuilder.eventLoopThreads(proxyThreads);
        sleepingBuilder.eventLoopThreads(proxyThreads);
      }
      if (spinMicros >= 0) {
        proxyBuilder.spinBeforeSleep(Duration.ofNanos(spinMicros * 1000L));
      }
      try (ProxyServer proxy = proxyBuilder.start();
          ProxyServer sleeping = sleepingBuilder.start();
          Pgbouncer bouncer =
              bouncerExecutable
                  .map(
                      exe ->
                          Pgbouncer.start(
                              exe,
                              RunAs.resolve(Optional.empty()),
                              transport.libpqHost(pg),
                              pg.port(),
                              pg.user(),
                              pg.password(),
                              maxClients))
                  .orElse(null)) {
        System.out.printf(
            "%s; %d cores; proxy in this JVM with %d event loop thread(s), polling %d µs before"
                + " it sleeps; load average %s%n",
            pg.binaries(),
            Runtime.getRuntime().availableProcessors(),
            proxy.settings().eventLoopThreads(),
            proxy.settings().spinBeforeSleep().toNanos() / 1000,
            TpsRounds.loadAverage());
        System.out.printf(
            "pgbench connects over TCP; the proxy and pgbouncer reach PostgreSQL over %s%n",
            transport.description());
        List<TpsRounds.Target> targets = new ArrayList<>();
        targets.add(new TpsRounds.Target("direct (TCP)", direct, -1));
        targets.add(
            new TpsRounds.Target(
                "pgisolate proxy (plain)",
                new Pgbench.Endpoint(proxy.host(), proxy.port(), "bench", null, pg.database()),
                ProcessHandle.current().pid()));
        targets.add(
            new TpsRounds.Target(
                "pgisolate proxy, no polling",
                new Pgbench.Endpoint(
                    sleeping.host(), sleeping.port(), "bench", null, pg.database()),
                ProcessHandle.current().pid()));
        if (bouncer != null) {
          targets.add(
              new TpsRounds.Target(
                  "pgbouncer (session)",
                  new Pgbench.Endpoint("127.0.0.1", bouncer.port(), pg.user(), null, pg.database()),
                  bouncer.pid()));
        }
        TpsRounds tps = new TpsRounds(pgbench, targets, seconds, rounds);
        tps.print(
            tps.measure(clientCounts),
            (clients, measured) -> {
              double proxyTps = measured.get(1).tps().median();
              System.out.printf(
                  "%-8s proxy/proxy without polling %.2fx (medians)%n",
                  "", proxyTps / measured.get(2).tps().median());
              if (measured.size() > 3) {
                Rates paired = measured.get(1).tps().perRoundRatio(measured.get(3).tps());
                System.out.printf(
                    "%-8s proxy/pgbouncer %.2fx (medians); round by round %.2fx (min %.2f, max"
                        + " %.2f)%n",
                    "",
                    proxyTps / measured.get(3).tps().median(),
                    paired.median(),
                    paired.min(),
                    paired.max());
              }
            });
        System.out.printf("load average at the end %s%n", TpsRounds.loadAverage());
        System.out.println(
            "CPU us/tx: median CPU time of the proxy's JVM or of pgbouncer per transaction.");
        System.out.println("Target (issue 6): proxy TPS >= pgbouncer's at every client count.");
        if (bouncer == null) {
          System.out.println(
              "pgbouncer was not measured: it is not installed. Hint: " + Pgbouncer.INSTALL_HINT);
        }
      }
    }
  }
}
