package io.pgisolate.bench;

import io.pgisolate.PgIsolateException;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Lease server benchmark (issue 5, item 8): the lease+release round trip with 1, 16 and 64
 * concurrent clients, and the wake-up latency from a release to the next waiter's {@code OK:}.
 * Targets: round trip p50 ≤ 200 µs, wake-up p50 ≤ 1 ms. Given pgmanager's executable, it measures
 * pgmanager's server the same way, interleaved (A B A B), and prints both side by side.
 *
 * <p>pgisolate's server shares this JVM and the machine's cores with the clients, as it does when
 * test forks lease from a server on the same host; pgmanager's runs as its own process. A round
 * trip is what a client sees: connect, read {@code OK:<name>}, close; the pool has as many
 * databases as there are clients, so it measures the server, not queueing. Wake-up: one database, a
 * holder and a waiter already in line; the clock runs from just before the holder closes until the
 * waiter has read its {@code OK:}.
 *
 * <p>Usage: {@code bin/bench lease [--iterations N] [--wake-ups N] [--rounds N] [--pgmanager
 * PATH]}: round trips per client (default 2000), wake-ups measured (1000), rounds (1, or 2 with
 * pgmanager), pgmanager's executable (default: the environment's PGMANAGER).
 */
public final class LeaseBench {
  private LeaseBench() {}

  /** One thing measured in every round, on every target. */
  private record Measurement(String label, Run run) {}

  @FunctionalInterface
  private interface Run {
    Stats on(LeaseTarget target) throws Exception;
  }

  public static void run(String[] args) throws Exception {
    int iterations = Main.intOption(args, "--iterations", 2_000);
    int wakeUps = Main.intOption(args, "--wake-ups", 1_000);
    String pgmanager = PgmanagerServer.option(args);
    int rounds = Main.intOption(args, "--rounds", pgmanager.isEmpty() ? 1 : 2);
    // Checked before anything is made.
    Path executable = Path.of(pgmanager).toAbsolutePath();
    if (!pgmanager.isEmpty() && !Files.isExecutable(executable)) {
      throw new PgIsolateException(
          "pgmanager "
              + pgmanager
              + " is not an executable file (--pgmanager, PGMANAGER). Hint: give the path of"
              + " pgmanager's executable, or leave both out to measure pgisolate alone.");
    }
    Path dir = Files.createTempDirectory(tmpRoot(), "pgisolate-bench");
    try {
      List<LeaseTarget> targets = new ArrayList<>(List.of(LeaseTarget.pgisolate(dir)));
      if (pgmanager.isEmpty()) {
        System.out.println(
            "pgmanager was not given (--pgmanager PATH or PGMANAGER=PATH): pgisolate only.");
      } else {
        targets.add(LeaseTarget.pgmanager(executable, tmpRoot()));
      }
      System.out.printf(
          "lease server benchmark: %d iterations per client, %d wake-ups, %d round(s) of %s, %d"
              + " cores, Java %s%n",
          iterations,
          wakeUps,
          rounds,
          String.join(" ", targets.stream().map(LeaseTarget::name).toList()),
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"));
      List<Measurement> measurements = measurements(iterations, wakeUps);
      // Untimed, once per target: JIT-compiles pgisolate's server and the clients.
      int warmUp = Math.max(200, iterations / 4);
      for (LeaseTarget t : targets) {
        for (int clients : new int[] {1, 16, 64}) {
          roundTrip(t, clients, warmUp, 0);
        }
        wakeUp(t, Math.max(100, wakeUps / 4));
      }
      LeaseComparison comparison = new LeaseComparison(targets);
      for (int round = 1; round <= rounds; round++) {
        System.out.printf(
            "round %d of %d, load average %s%n", round, rounds, TpsRounds.loadAverage());
        for (Measurement m : measurements) {
          for (LeaseTarget t : targets) {
            Stats s = m.run().on(t);
            comparison.add(m.label(), t, s);
            System.out.printf("  %-9s %-36s %s%n", t.name(), m.label() + ":", s);
          }
        }
      }
      if (targets.size() > 1) {
        comparison.print(rounds);
      }
      System.out.println("targets: round trip p50 <= 200 µs, wake-up p50 <= 1000 µs (pgisolate)");
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static List<Measurement> measurements(int iterations, int wakeUps) {
    List<Measurement> all = new ArrayList<>();
    for (int clients : new int[] {1, 16, 64}) {
      all.add(
          new Measurement(
              String.format("round trip, %2d clients back to back", clients),
              t -> roundTrip(t, clients, iterations, 0)));
    }
    // Test forks lease a database now and then, not back to back: each client pauses 5 ms
    // (on average) between round trips, so 64 clients offer ~13k leases/s.
    for (int clients : new int[] {16, 64}) {
      all.add(
          new Measurement(
              String.format("round trip, %2d clients, 5 ms pauses", clients),
              t -> roundTrip(t, clients, Math.max(200, iterations / 4), 5_000_000)));
    }
    all.add(new Measurement("wake-up latency", t -> wakeUp(t, wakeUps)));
    return all;
  }

  private static Path tmpRoot() {
    return Path.of(
        Files.isDirectory(Path.of("/dev/shm")) ? "/dev/shm" : System.getProperty("java.io.tmpdir"));
  }

  static Stats roundTrip(LeaseTarget target, int clients, int iterations, long meanPauseNanos)
      throws Exception {
    try (LeaseTarget.Server server = target.start(clients)) {
      Path socket = server.socket();
      ExecutorService executor = Executors.newFixedThreadPool(clients);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<long[]>> results = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
          results.add(
              executor.submit(
                  () -> {
                    long[] nanos = new long[iterations];
                    ByteBuffer buffer = ByteBuffer.allocate(256);
                    start.await();
                    for (int i = 0; i < iterations; i++) {
                      if (meanPauseNanos > 0) {
                        LockSupport.parkNanos(
                            ThreadLocalRandom.current().nextLong(2 * meanPauseNanos));
                      }
                      long t0 = System.nanoTime();
                      try (SocketChannel ch =
                          SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                        buffer.clear();
                        readOk(ch, buffer);
                      }
                      nanos[i] = System.nanoTime() - t0;
                    }
                    return nanos;
                  }));
        }
        long began = System.nanoTime();
        start.countDown();
        long[] all = new long[0];
        for (Future<long[]> f : results) {
          all = Stats.concat(all, f.get());
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        return new Stats(all, all.length / seconds);
      } finally {
        executor.shutdownNow();
      }
    }
  }

  static Stats wakeUp(LeaseTarget target, int iterations) throws Exception {
    long[] nanos = new long[iterations];
    try (LeaseTarget.Server server = target.start(1)) {
      ByteBuffer buffer = ByteBuffer.allocate(256);
      SocketChannel holder = SocketChannel.open(UnixDomainSocketAddress.of(server.socket()));
      readOk(holder, buffer);
      for (int i = 0; i < iterations; i++) {
        SocketChannel waiter = SocketChannel.open(UnixDomainSocketAddress.of(server.socket()));
        server.awaitWaiter();
        // Untimed, 1–11 ms: pgmanager's waiters look for a free database every 10 ms, so the
        // release comes at a random moment of that period, as releases do in real use (right
        // after the connect, it would always come at the same moment); and pgmanager, which shows
        // no waiters, has long accepted this one.
        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(1_000_000, 11_000_000));
        long t0 = System.nanoTime();
        holder.close();
        buffer.clear();
        readOk(waiter, buffer);
        nanos[i] = System.nanoTime() - t0;
        holder = waiter;
      }
      holder.close();
    }
    return new Stats(nanos, 0);
  }

  private static void readOk(SocketChannel ch, ByteBuffer buffer) throws IOException {
    while (buffer.position() < 4) {
      if (ch.read(buffer) < 0) {
        throw new IOException("server closed before OK:");
      }
    }
    if (buffer.get(0) != 'O' || buffer.get(1) != 'K') {
      throw new IOException("unexpected answer");
    }
  }

  /** Latency summary in microseconds; throughput in round trips per second, 0 where none. */
  record Stats(long[] nanos, double throughput) {
    Stats {
      nanos = nanos.clone();
      Arrays.sort(nanos);
    }

    /** Both samples together; the throughput is the rounds' mean (weighted by their samples). */
    Stats plus(Stats other) {
      int n = nanos.length + other.nanos.length;
      return new Stats(
          concat(nanos, other.nanos),
          (throughput * nanos.length + other.throughput * other.nanos.length) / n);
    }

    static long[] concat(long[] a, long[] b) {
      long[] all = Arrays.copyOf(a, a.length + b.length);
      System.arraycopy(b, 0, all, a.length, b.length);
      return all;
    }

    double micros(double quantile) {
      int i = (int) Math.min(nanos.length - 1, Math.floor(quantile * (nanos.length - 1)));
      return nanos[i] / 1_000.0;
    }

    @Override
    public String toString() {
      String summary =
          String.format(
              "n=%6d  min %7.1f µs  p50 %7.1f µs  p99 %8.1f µs  max %9.1f µs",
              nanos.length, micros(0), micros(0.5), micros(0.99), micros(1));
      return throughput > 0 ? String.format("%s  %7.0f/s", summary, throughput) : summary;
    }
  }
}
