package io.pgisolate.bench;

import io.pgisolate.lease.LeasePool;
import io.pgisolate.lease.LeaseServer;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * Targets: round trip p50 ≤ 200 µs, wake-up p50 ≤ 1 ms.
 *
 * <p>Server and clients share this JVM and the machine's cores, as they do when test forks lease
 * from a server on the same host. A round trip is what a client sees: connect, read {@code
 * OK:<name>}, close; the pool has as many databases as there are clients, so it measures the
 * server, not queueing. Wake-up: one database, a holder and a waiter already in line; the clock
 * runs from just before the holder closes until the waiter has read its {@code OK:}.
 *
 * <p>Usage: {@code bin/bench lease [--iterations N]} (per client, default 2000).
 */
public final class LeaseBench {
  private LeaseBench() {}

  public static void run(String[] args) throws Exception {
    int iterations = Main.intOption(args, "--iterations", 2_000);
    Path dir = Files.createTempDirectory(Path.of(tmpRoot()), "pgisolate-bench");
    try {
      System.out.printf(
          "lease server benchmark: %d iterations per client, %d cores, Java %s%n",
          iterations,
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"));
      for (int clients : new int[] {1, 16, 64}) {
        roundTrip(dir, clients, Math.max(200, iterations / 4), 0); // warm-up
        Stats s = roundTrip(dir, clients, iterations, 0);
        System.out.printf(
            "round trip, %2d clients back to back: %s  %7.0f/s  (target p50 <= 200 µs)%n",
            clients, s, s.throughput);
      }
      // Test forks lease a database now and then, not back to back: each client pauses 5 ms
      // (on average) between round trips, so 64 clients offer ~13k leases/s.
      for (int clients : new int[] {16, 64}) {
        Stats s = roundTrip(dir, clients, Math.max(200, iterations / 4), 5_000_000);
        System.out.printf(
            "round trip, %2d clients, 5 ms pauses: %s  %7.0f/s%n", clients, s, s.throughput);
      }
      wakeUp(dir, Math.max(200, iterations / 4)); // warm-up
      Stats w = wakeUp(dir, iterations);
      System.out.printf("wake-up latency:         %s  (target p50 <= 1000 µs)%n", w);
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static String tmpRoot() {
    return Files.isDirectory(Path.of("/dev/shm"))
        ? "/dev/shm"
        : System.getProperty("java.io.tmpdir");
  }

  static Stats roundTrip(Path dir, int clients, int iterations, long meanPauseNanos)
      throws Exception {
    Path socket = dir.resolve("rt.sock");
    try (LeaseServer server = LeaseServer.start(new LeasePool("bench_", clients), socket)) {
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
          long[] part = f.get();
          long[] merged = Arrays.copyOf(all, all.length + part.length);
          System.arraycopy(part, 0, merged, all.length, part.length);
          all = merged;
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        server.pool().awaitState(s -> s.leased().isEmpty(), Duration.ofSeconds(30));
        return new Stats(all, all.length / seconds);
      } finally {
        executor.shutdownNow();
      }
    }
  }

  static Stats wakeUp(Path dir, int iterations) throws Exception {
    Path socket = dir.resolve("wake.sock");
    long[] nanos = new long[iterations];
    try (LeaseServer server = LeaseServer.start(new LeasePool("bench_", 1), socket)) {
      ByteBuffer buffer = ByteBuffer.allocate(256);
      SocketChannel holder = SocketChannel.open(UnixDomainSocketAddress.of(socket));
      readOk(holder, buffer);
      for (int i = 0; i < iterations; i++) {
        SocketChannel waiter = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        if (!server.pool().awaitState(s -> s.waiting().size() == 1, Duration.ofSeconds(30))) {
          throw new IllegalStateException("the waiter never got in line");
        }
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

  /** Latency summary in microseconds. */
  record Stats(long[] nanos, double throughput) {
    Stats {
      nanos = nanos.clone();
      Arrays.sort(nanos);
    }

    double micros(double quantile) {
      int i = (int) Math.min(nanos.length - 1, Math.floor(quantile * (nanos.length - 1)));
      return nanos[i] / 1_000.0;
    }

    @Override
    public String toString() {
      return String.format(
          "n=%6d  min %7.1f µs  p50 %7.1f µs  p99 %8.1f µs  max %9.1f µs",
          nanos.length, micros(0), micros(0.5), micros(0.99), micros(1));
    }
  }
}
