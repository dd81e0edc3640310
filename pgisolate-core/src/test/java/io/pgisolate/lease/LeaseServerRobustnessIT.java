package io.pgisolate.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.os.Directories;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input: garbage, half-open connections, connection storms and clients killed mid-lease. After
 * each, the server still serves and the pool's invariant holds: every database free or leased once,
 * none lost.
 */
class LeaseServerRobustnessIT {
  static final Duration BOUND = Duration.ofSeconds(30);

  @TempDir Path dir;
  LeaseServer server;
  ExecutorService executor;

  @BeforeEach
  void start() {
    executor = Executors.newFixedThreadPool(8);
  }

  @AfterEach
  void stop() throws Exception {
    executor.shutdownNow();
    assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    if (server != null) {
      server.close();
    }
  }

  LeaseServer serve(int count) {
    server = LeaseServer.start(new LeaseSettings("db", count, dir.resolve("pgm.sock")));
    return server;
  }

  /** Everyone is gone: all databases free, no waiter, bookkeeping sound; and it still serves. */
  void assertQuietAndServing() throws Exception {
    assertThat(server.pool().awaitState(s -> s.leased().isEmpty() && s.waiting().isEmpty(), BOUND))
        .as("all leases back within %s: %s", BOUND, server.pool().snapshot())
        .isTrue();
    server.pool().checkInvariant();
    assertThat(server.pool().snapshot().free())
        .containsExactlyInAnyOrderElementsOf(server.pool().names());
    List<TestClient> all = new ArrayList<>();
    try {
      Set<String> names = ConcurrentHashMap.newKeySet();
      for (int i = 0; i < server.pool().names().size(); i++) {
        TestClient c = TestClient.connect(server.socket());
        all.add(c);
        names.add(c.awaitLease(BOUND).orElseThrow());
      }
      assertThat(names).containsExactlyInAnyOrderElementsOf(server.pool().names());
    } finally {
      all.forEach(TestClient::close);
    }
  }

  /** Connects, takes a lease (checking nobody else holds it), lets go. */
  void cycle(Set<String> inUse, AtomicInteger doubles) {
    try (TestClient c = TestClient.connect(server.socket())) {
      String name = c.awaitLease(BOUND).orElseThrow(() -> new AssertionError("no lease"));
      if (!inUse.add(name)) {
        doubles.incrementAndGet();
      }
      inUse.remove(name); // before the close that lets the server hand it on
    }
  }

  @Test
  void tenThousandConnectDisconnectCycles() throws Exception {
    serve(4);
    Set<String> inUse = ConcurrentHashMap.newKeySet();
    AtomicInteger doubles = new AtomicInteger();
    AtomicInteger abandoned = new AtomicInteger();
    List<Future<?>> work = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      work.add(
          executor.submit(
              () -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 1_250; i++) {
                  if (random.nextInt(10) == 0) {
                    // Connect and leave without reading: a lease or a wait nobody collects.
                    try (SocketChannel gone =
                        SocketChannel.open(UnixDomainSocketAddress.of(server.socket()))) {
                      abandoned.incrementAndGet();
                    }
                  } else {
                    cycle(inUse, doubles);
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : work) {
      f.get(120, TimeUnit.SECONDS);
    }
    assertThat(doubles.get()).isZero();
    assertQuietAndServing();
    assertThat(server.pool().stats().grants()).isBetween(10_000L - abandoned.get(), 10_000L);
  }

  @Test
  void garbageFromClientsDoesNotDisturbTheOthers() throws Exception {
    serve(3);
    Set<String> inUse = ConcurrentHashMap.newKeySet();
    AtomicInteger doubles = new AtomicInteger();
    List<Future<?>> work = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      work.add(
          executor.submit(
              () -> {
                for (int i = 0; i < 300; i++) {
                  cycle(inUse, doubles);
                }
                return null;
              }));
    }
    for (int t = 0; t < 4; t++) {
      work.add(
          executor.submit(
              () -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                String[] openers = {"STAT", "STATUS", "STATUS\n", "S", "\0", "OK:", "STATUS\r\n"};
                for (int i = 0; i < 150; i++) {
                  try (SocketChannel c =
                      SocketChannel.open(UnixDomainSocketAddress.of(server.socket()))) {
                    byte[] junk = new byte[random.nextInt(1, 70_000)];
                    random.nextBytes(junk);
                    c.write(ByteBuffer.wrap(openers[random.nextInt(openers.length)].getBytes()));
                    c.write(ByteBuffer.wrap(junk));
                  } catch (IOException e) {
                    // the server may close a STATUS client while we still write: fine
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : work) {
      f.get(120, TimeUnit.SECONDS);
    }
    assertThat(doubles.get()).isZero();
    assertQuietAndServing();
  }

  @Test
  void halfOpenClientsHoldOnlyWhatTheyWereGiven() throws Exception {
    serve(2);
    // A holder that never reads nor closes keeps its lease; the server still serves the rest.
    try (TestClient silent = TestClient.connect(server.socket());
        TestClient holder = TestClient.connect(server.socket());
        TestClient waiter = TestClient.connect(server.socket())) {
      assertThat(server.pool().awaitState(s -> s.waiting().size() == 1, BOUND)).isTrue();
      // A waiter that shuts its writing side leaves the line (its EOF is its goodbye).
      waiter.shutdownOutput();
      assertThat(server.pool().awaitState(s -> s.waiting().isEmpty(), BOUND)).isTrue();
      assertThat(holder.awaitLease(BOUND)).isPresent();
      Set<String> inUse = ConcurrentHashMap.newKeySet();
      AtomicInteger doubles = new AtomicInteger();
      holder.close();
      for (int i = 0; i < 100; i++) {
        cycle(inUse, doubles);
      }
      assertThat(doubles.get()).isZero();
      assertThat(silent.awaitLease(BOUND)).isPresent(); // it kept its lease all along
    }
    assertQuietAndServing();
  }

  @Test
  void aStatusReaderThatNeverReadsDoesNotBlockTheServer() throws Exception {
    serve(5_000);
    try (TestClient stuck = TestClient.connect(server.socket())) {
      stuck.send("STATUS\n"); // ~100 KB of report, far more than a socket buffer; never read
      Set<String> inUse = ConcurrentHashMap.newKeySet();
      AtomicInteger doubles = new AtomicInteger();
      for (int i = 0; i < 100; i++) {
        cycle(inUse, doubles);
      }
      assertThat(doubles.get()).isZero();
    }
    assertThat(server.pool().awaitState(s -> s.leased().isEmpty(), BOUND)).isTrue();
    server.pool().checkInvariant();
  }

  /** CPU time (user + system) of a process so far, in clock ticks, from /proc/PID/stat. */
  static long cpuTicks(long pid) throws IOException {
    String stat = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
  }

  @Test
  void outOfFileDescriptorsTheServerWaitsInsteadOfSpinningAndRecovers() throws Exception {
    Path socket = dir.resolve("fd.sock");
    List<TestClient> flood = new ArrayList<>();
    try (ChildClients children = new ChildClients()) {
      ChildClients.Child server =
          children.startMainWithOpenFiles(100, ServerMain.class, socket.toString(), "db", "500");
      assertThat(server.awaitLease(BOUND)).isEqualTo("ready");
      try {
        for (int i = 0; i < 150; i++) {
          flood.add(TestClient.connect(socket)); // more than the server may open
        }
        long before = cpuTicks(server.pid());
        long start = System.nanoTime();
        // A measuring window, not a synchronisation: how busy is the server while it cannot
        // accept? Spinning would take a whole core (~100 ticks a second).
        Thread.sleep(1_000);
        long ticks = cpuTicks(server.pid()) - before;
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(ticks / seconds)
            .as("server CPU ticks per second while out of files")
            .isLessThan(30);
      } finally {
        flood.forEach(TestClient::close);
      }
      try (TestClient late = TestClient.connect(socket)) {
        assertThat(late.awaitLease(BOUND)).isPresent();
      }
    }
  }

  @Test
  void aServerWhoseSocketFileIsDeletedListensOnANewOneAndKeepsItsLeasesAndLock() throws Exception {
    Path socket = dir.resolve("run/pgm.sock");
    try (ChildClients children = new ChildClients()) {
      ChildClients.Child server =
          children.startMain(ServerMain.class, socket.toString(), "db", "3");
      assertThat(server.awaitLease(BOUND)).isEqualTo("ready");
      try (TestClient holder = TestClient.connect(socket)) {
        assertThat(holder.awaitLease(BOUND)).contains("db0");
        Files.delete(socket); // a /tmp cleaner
        awaitCreated(socket);
        try (TestClient next = TestClient.connect(socket)) {
          assertThat(next.awaitLease(BOUND)).as("db0 is still the holder's").contains("db1");
        }
        Directories.deleteTree(socket.getParent()); // the lock file goes with it
        awaitCreated(socket);
        assertThatThrownBy(() -> LeaseServer.start(new LeaseSettings("db", 1, socket)))
            .as("the lock is taken again")
            .hasMessageStartingWith("a lease server is already running on " + socket);
        try (TestClient next = TestClient.connect(socket)) {
          assertThat(next.awaitLease(BOUND)).isPresent().isNotEqualTo(Optional.of("db0"));
        }
      }
    }
  }

  /** Waits (bounded) until {@code file} exists, watching its directory and that one's parent. */
  private static void awaitCreated(Path file) throws Exception {
    long deadline = System.nanoTime() + BOUND.toNanos();
    try (WatchService watch = FileSystems.getDefault().newWatchService()) {
      file.getParent().getParent().register(watch, StandardWatchEventKinds.ENTRY_CREATE);
      boolean watchingDirectory = false;
      while (!Files.exists(file)) {
        if (!watchingDirectory && Files.isDirectory(file.getParent())) {
          file.getParent().register(watch, StandardWatchEventKinds.ENTRY_CREATE);
          watchingDirectory = true;
          continue; // it may have come meanwhile
        }
        WatchKey key = watch.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (key == null) {
          throw new AssertionError(file + " did not come back within " + BOUND);
        }
        key.pollEvents();
        key.reset();
      }
    }
  }

  @Test
  void clientsKilledWithSigkillMidLeaseGiveTheirDatabasesBack() throws Exception {
    serve(2);
    Set<String> inUse = ConcurrentHashMap.newKeySet();
    AtomicInteger doubles = new AtomicInteger();
    try (ChildClients children = new ChildClients()) {
      ChildClients.Child a = children.start(server.socket());
      ChildClients.Child b = children.start(server.socket());
      assertThat(List.of(a.awaitLease(BOUND), b.awaitLease(BOUND)))
          .containsExactlyInAnyOrder("OK:db0", "OK:db1");
      // Two more wait in line behind them, and an in-JVM storm runs meanwhile.
      ChildClients.Child c = children.start(server.socket());
      ChildClients.Child d = children.start(server.socket());
      Future<?> storm =
          executor.submit(
              () -> {
                for (int i = 0; i < 200; i++) {
                  cycle(inUse, doubles);
                }
                return null;
              });
      a.kill();
      b.kill();
      assertThat(List.of(c.awaitLease(BOUND), d.awaitLease(BOUND)))
          .containsExactlyInAnyOrder("OK:db0", "OK:db1");
      String report = DatabaseLease.status(server.socket(), BOUND);
      assertThat(report)
          .contains("pid=" + c.pid() + " ")
          .contains("pid=" + d.pid() + " ")
          .doesNotContain("pid=" + a.pid() + " ");
      c.kill();
      d.kill();
      storm.get(120, TimeUnit.SECONDS);
    }
    assertThat(doubles.get()).isZero();
    assertQuietAndServing();
  }
}
