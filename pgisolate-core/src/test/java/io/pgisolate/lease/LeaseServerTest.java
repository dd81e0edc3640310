package io.pgisolate.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.PgIsolateException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaseServerTest {
  static final Duration BOUND = Duration.ofSeconds(10);

  @TempDir Path dir;
  LeaseServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  LeaseServer serve(String prefix, int count) {
    server = LeaseServer.start(new LeaseSettings(prefix, count, dir.resolve("tmp/pgm.sock")));
    return server;
  }

  @Test
  void answersOkAndTheNameWithoutNewlineAndHoldsItUntilClose() throws Exception {
    serve("app_test", 2);
    try (TestClient a = TestClient.connect(server.socket());
        TestClient b = TestClient.connect(server.socket())) {
      assertThat(a.awaitChars(9, BOUND)).isEqualTo("OK:app_test0");
      assertThat(b.awaitLease(BOUND)).contains("app_test1");
    }
    assertThat(server.pool().awaitState(s -> s.leased().isEmpty(), BOUND)).isTrue();
  }

  @Test
  void aWaiterIsServedTheMomentTheHolderLeavesInArrivalOrder() {
    serve("db", 1);
    TestClient holder = TestClient.connect(server.socket());
    assertThat(holder.awaitLease(BOUND)).contains("db0");
    try (TestClient first = TestClient.connect(server.socket());
        TestClient second = TestClient.connect(server.socket())) {
      assertThat(first.awaitChars(1, Duration.ofMillis(50))).isEmpty();
      holder.close();
      assertThat(first.awaitLease(BOUND)).contains("db0");
      assertThat(second.awaitChars(1, Duration.ofMillis(50))).isEmpty();
      first.close();
      assertThat(second.awaitLease(BOUND)).contains("db0");
    }
  }

  @Test
  void theLeaseLastsUntilCloseWhateverTheClientSends() throws Exception {
    serve("db", 1);
    try (TestClient chatty = TestClient.connect(server.socket())) {
      assertThat(chatty.awaitLease(BOUND)).contains("db0");
      chatty.send("hello\n").send("\0\1\2garbage").send("STATUS\n");
      try (TestClient next = TestClient.connect(server.socket())) {
        // pgmanager leaks a lease when its client sends anything; here it stays leased, no more.
        assertThat(next.awaitChars(1, Duration.ofMillis(100))).isEmpty();
        chatty.close();
        assertThat(next.awaitLease(BOUND)).contains("db0");
      }
    }
  }

  @Test
  void aClientThatShutsDownItsWritingSideReleasesLikeWithPgmanager() throws Exception {
    serve("db", 1);
    try (TestClient half = TestClient.connect(server.socket())) {
      assertThat(half.awaitLease(BOUND)).contains("db0");
      half.shutdownOutput();
      assertThat(server.pool().awaitState(s -> s.free().size() == 1, BOUND)).isTrue();
    }
  }

  @Test
  void aHolderAskingForStatusGetsTheReportAfterItsLeaseAndKeepsTheLease() throws Exception {
    serve("db", 2);
    try (TestClient holder = TestClient.connect(server.socket())) {
      assertThat(holder.awaitLease(BOUND)).contains("db0");
      holder.send("STATUS\n");
      String text = holder.awaitChars(200, Duration.ofSeconds(2));
      assertThat(text)
          .startsWith("OK:db0\npool prefix=db count=2 leased=1 free=1")
          .endsWith("\n\n");
      assertThat(server.pool().snapshot().leased()).hasSize(1);
    }
  }

  @Test
  void garbageFirstIsNotAStatusRequest() {
    serve("db", 1);
    try (TestClient odd = TestClient.connect(server.socket())) {
      odd.send("STATUX\n");
      assertThat(odd.awaitLease(BOUND)).contains("db0");
    }
  }

  @Test
  void aStatusRequestThatArrivedBeforeTheServerLookedGetsAReportAndNoLease() throws Exception {
    serve("db", 1);
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    // Hold the server's thread, so the connection and its request both wait in the kernel.
    server.post(
        () -> {
          busy.countDown();
          try {
            resume.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    assertThat(busy.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    try (TestClient asking = TestClient.connect(server.socket())) {
      asking.send("STATUS\n");
      resume.countDown();
      assertThat(asking.readToEnd(BOUND))
          .startsWith("pool prefix=db count=1 leased=0 free=1 waiting=0")
          .endsWith("free db0\n\n");
    }
    assertThat(server.pool().stats().grants()).isZero();
  }

  @Test
  void statusReportsLeasedFreeAndWaitingWithPidAndUser() throws Exception {
    serve("db", 2);
    String me = String.valueOf(ProcessHandle.current().pid());
    String user = System.getProperty("user.name");
    try (TestClient a = TestClient.connect(server.socket());
        TestClient b = TestClient.connect(server.socket());
        TestClient c = TestClient.connect(server.socket())) {
      a.awaitLease(BOUND);
      b.awaitLease(BOUND);
      assertThat(server.pool().awaitState(s -> s.waiting().size() == 1, BOUND)).isTrue();
      b.close();
      assertThat(c.awaitLease(BOUND)).contains("db1");
      try (TestClient d = TestClient.connect(server.socket())) {
        assertThat(server.pool().awaitState(s -> s.waiting().size() == 1, BOUND)).isTrue();
        String report = DatabaseLease.status(server.socket(), BOUND);
        assertThat(report.lines().toList())
            .hasSize(4)
            .element(0)
            .asString()
            .matches(
                "pool prefix=db count=2 leased=2 free=0 waiting=1 peak=2 grants=3 total_wait_ms=\\d+");
        assertThat(report.lines().toList().get(1))
            .matches("leased db0 pid=" + me + " user=" + user + " held_ms=\\d+");
        assertThat(report.lines().toList().get(2))
            .matches("leased db1 pid=" + me + " user=" + user + " held_ms=\\d+");
        assertThat(report.lines().toList().get(3))
            .matches("waiting pid=" + me + " user=" + user + " waited_ms=\\d+");
      }
    }
  }

  @Test
  void statusOfAnIdlePoolListsFreeDatabasesInHandOutOrder() throws Exception {
    serve("db", 3);
    try (TestClient a = TestClient.connect(server.socket())) {
      a.awaitLease(BOUND);
    }
    assertThat(server.pool().awaitState(s -> s.leased().isEmpty(), BOUND)).isTrue();
    assertThat(server.pool().snapshot().free()).containsExactly("db1", "db2", "db0");
    String report = DatabaseLease.status(server.socket(), BOUND);
    // When the server is quicker than the STATUS request, the asking client holds db1 itself.
    assertThat(report)
        .satisfiesAnyOf(
            r -> assertThat(r).endsWith("free db1\nfree db2\nfree db0\n"),
            r -> assertThat(r).containsPattern("leased db1 .*\nfree db2\nfree db0\n$"));
  }

  @Test
  void socketIs0600InADirectoryOnlyTheUserCanEnter() {
    serve("db", 1);
    assertThat(SocketFile.mode(server.socket())).contains(0600);
    assertThat(SocketFile.mode(server.socket().getParent())).contains(0700);
  }

  @Test
  void nothingIsLeftAtCloseNeitherSocketNorLockFileNorTheDirectoriesItMade() throws IOException {
    serve("db", 1); // in dir/tmp, which it makes
    Files.writeString(dir.resolve("keep.txt"), "mine");
    server.close();
    server = null;
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("keep.txt");
    }
  }

  @Test
  void aDirectoryItDidNotMakeStaysAndSoDoesAnythingElseInIt() throws IOException {
    Path socket = Files.createDirectory(dir.resolve("run")).resolve("pgm.sock");
    Files.writeString(dir.resolve("run/other.txt"), "not the server's");
    server = LeaseServer.start(new LeaseSettings("db", 1, socket));
    server.close();
    server = null;
    try (var files = Files.list(dir.resolve("run"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("other.txt");
    }
  }

  @Test
  void aLockFileLeftByAKilledServerIsTakenOverAndRemovedAtClose() throws IOException {
    // What SIGKILL leaves: the lock file (its lock dropped by the kernel) and a dead socket.
    Path socket = Files.createDirectory(dir.resolve("run")).resolve("pgm.sock");
    Files.writeString(dir.resolve("run/pgm.sock.lock"), "4242\n");
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(socket));
    }
    server = LeaseServer.start(new LeaseSettings("db", 1, socket));
    try (TestClient c = TestClient.connect(socket)) {
      assertThat(c.awaitLease(BOUND)).contains("db0");
    }
    server.close();
    server = null;
    try (var files = Files.list(dir.resolve("run"))) {
      assertThat(files).isEmpty();
    }
  }

  /**
   * What SIGKILL between making the private staging directory and renaming the socket out of it
   * leaves (besides the lock file and no socket): {@code .pgi<pid in base 36>_<tag>/s}, a socket
   * bound in a 0700 directory. Killing a server at that very moment cannot be timed from outside,
   * so a real server is killed and its staging directory made as it would have left it, with its
   * pid. The next server removes it; one whose server lives (here a live process's pid) stays.
   */
  @Test
  void aStagingDirectoryOfAKilledServerIsRemovedOneOfALiveServerKept() throws Exception {
    Path socket = dir.resolve("run/pgm.sock");
    try (ChildClients children = new ChildClients()) {
      ChildClients.Child killed =
          children.startMain(ServerMain.class, socket.toString(), "db", "1");
      assertThat(killed.awaitLease(BOUND)).isEqualTo("ready");
      ChildClients.Child live =
          children.startMain(LockHolderMain.class, dir.resolve("other.lock").toString());
      assertThat(live.awaitLease(BOUND)).isEqualTo("locked");
      Files.delete(socket); // killed mid-bind, it had not renamed its socket into place yet
      killed.kill();
      Path dead = leftStaging(socket.getParent(), killed.pid());
      Path alive = leftStaging(socket.getParent(), live.pid());
      Path notStaging = Files.createDirectory(socket.resolveSibling(".pgi-mine"));

      server = LeaseServer.start(new LeaseSettings("db", 1, socket));
      assertThat(dead).as("the killed server's").doesNotExist();
      assertThat(alive.resolve("s")).as("a live server's").exists();
      assertThat(notStaging).as("not named like one").exists();
      try (TestClient c = TestClient.connect(socket)) {
        assertThat(c.awaitLease(BOUND)).contains("db0");
      }
    }
  }

  /** A staging directory as a server of {@code pid} makes it in {@code dir}, its socket bound. */
  private static Path leftStaging(Path dir, long pid) throws IOException {
    Path staging =
        Files.createDirectory(
            dir.resolve(".pgi" + Long.toString(pid, 36) + "_k3x9"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try (ServerSocketChannel bound = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      bound.bind(UnixDomainSocketAddress.of(staging.resolve("s")));
    }
    return staging;
  }

  @Test
  void aStaleSocketFromACrashedServerIsReplaced() throws IOException {
    Path socket = dir.resolve("stale.sock");
    // A bound socket whose listener is gone is what a crashed server leaves behind.
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(socket));
    }
    assertThat(socket).exists();
    server = LeaseServer.start(new LeaseSettings("db", 1, socket));
    try (TestClient c = TestClient.connect(socket)) {
      assertThat(c.awaitLease(BOUND)).contains("db0");
    }
  }

  @Test
  void aLivePgisolateServerIsRefused() {
    serve("db", 1);
    assertThatThrownBy(() -> LeaseServer.start(new LeaseSettings("db", 1, server.socket())))
        .isInstanceOf(PgIsolateException.class)
        .hasMessage(
            "a lease server is already running on "
                + server.socket()
                + " (pid "
                + ProcessHandle.current().pid()
                + " holds "
                + server.socket()
                + ".lock). Hint: stop it (kill "
                + ProcessHandle.current().pid()
                + "), or give this one another socket with --socket or PGM_SOCKET.");
    assertThat(SocketFile.servedByPgisolate(server.socket())).as("its lock still held").isTrue();
    try (TestClient c = TestClient.connect(server.socket())) {
      assertThat(c.awaitLease(BOUND)).contains("db0"); // the running one is untouched
    }
  }

  @Test
  void aServerThatLostItsSocketFileIsNamedWithItsPid() throws Exception {
    Path socket = dir.resolve("lost.sock");
    // What a server whose socket file was deleted looks like to a new one: a lock, no socket.
    try (ChildClients children = new ChildClients()) {
      ChildClients.Child holder =
          children.startMain(LockHolderMain.class, dir.resolve("lost.sock.lock").toString());
      assertThat(holder.awaitLease(BOUND)).isEqualTo("locked");
      assertThatThrownBy(() -> LeaseServer.start(new LeaseSettings("db", 1, socket)))
          .hasMessage(
              "a lease server is already running on "
                  + socket
                  + " (pid "
                  + holder.pid()
                  + " holds "
                  + socket
                  + ".lock), but its socket file is missing, so no client can reach it until it"
                  + " puts the file back (within a second). Hint: if it does not, stop it (kill "
                  + holder.pid()
                  + ") and start again, or give this one another socket with --socket or"
                  + " PGM_SOCKET.");
    }
    assertThat(socket).doesNotExist();
  }

  @Test
  void aServerThatIsStoppingButDoesNotFinishIsNamedAfterTheWait() throws Exception {
    Path socket = dir.resolve("slow.sock");
    Path lockFile = dir.resolve("slow.sock.lock");
    // What a stopping server's lock file says (it marks it before it disconnects its clients).
    Files.writeString(lockFile, "4242 stopping\n");
    try (ChildClients children = new ChildClients()) {
      ChildClients.Child holder = children.startMain(LockHolderMain.class, lockFile.toString());
      assertThat(holder.awaitLease(BOUND)).isEqualTo("locked");
      assertThatThrownBy(() -> SocketFile.bind(socket, Duration.ofMillis(300)))
          .hasMessage(
              "a lease server is stopping on "
                  + socket
                  + " (pid "
                  + holder.pid()
                  + " holds "
                  + lockFile
                  + ") and has not finished within 300 ms. Hint: wait until it has exited, or kill "
                  + holder.pid()
                  + ", then start again.");
      holder.kill();
    }
    assertThat(socket).doesNotExist();
    server = LeaseServer.start(new LeaseSettings("db", 1, socket)); // the lock is free again here
    try (TestClient c = TestClient.connect(socket)) {
      assertThat(c.awaitLease(BOUND)).contains("db0");
    }
  }

  @Test
  void aForeignLiveServerIsRefused() throws IOException {
    Path socket = dir.resolve("other.sock");
    try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      other.bind(UnixDomainSocketAddress.of(socket));
      assertThatThrownBy(() -> LeaseServer.start(new LeaseSettings("db", 1, socket)))
          .hasMessage(
              "a server is already listening on "
                  + socket
                  + ". Hint: stop it (is a pgmanager running?), or give this one another socket"
                  + " with --socket or PGM_SOCKET.");
    }
  }

  @Test
  void aFileThatIsNotASocketIsNotReplaced() throws IOException {
    Path socket = Files.writeString(dir.resolve("precious.txt"), "keep me");
    assertThatThrownBy(() -> LeaseServer.start(new LeaseSettings("db", 1, socket)))
        .hasMessage(
            "cannot serve on "
                + socket
                + ": a file that is not a socket is in the way. Hint: remove it, or choose another"
                + " socket with --socket or PGM_SOCKET.");
    assertThat(socket).hasContent("keep me");
  }

  @Test
  void aDirectoryIsNotASocketPath() {
    assertThatThrownBy(() -> LeaseServer.start(new LeaseSettings("db", 1, dir)))
        .hasMessage(
            "cannot serve on "
                + dir
                + ": it is a directory. Hint: give a socket file path, e.g. "
                + dir.resolve("pgmanager.sock")
                + ".");
  }

  @Test
  void withoutEpollTheServerSaysWhereItRuns() {
    assertThat(LeaseServer.epollUnavailable(new UnsatisfiedLinkError("no epoll here")))
        .hasMessage(
            "cannot start the lease server: Netty's native epoll transport is unavailable"
                + " (java.lang.UnsatisfiedLinkError: no epoll here). Hint: the lease server runs on"
                + " Linux x86-64 only, like the PostgreSQL binaries pgisolate ships.");
  }

  @Test
  void javaClientLeasesAndReleases() throws Exception {
    serve("app_", 1);
    try (DatabaseLease lease =
        DatabaseLease.builder()
            .socket(server.socket())
            .baseUrl("jdbc:postgresql://localhost:5432/postgres?user=test")
            .acquire()) {
      assertThat(lease.name()).isEqualTo("app_0");
      assertThat(lease.url()).contains("jdbc:postgresql://localhost:5432/app_0?user=test");
      assertThat(server.pool().snapshot().leased()).hasSize(1);
    }
    assertThat(server.pool().awaitState(s -> s.leased().isEmpty(), BOUND)).isTrue();
  }

  @Test
  void javaClientReadsTheSocketFromTheEnvironmentLikePgmanager() {
    serve("app_", 1);
    try (DatabaseLease lease =
        DatabaseLease.builder()
            .environment(java.util.Map.of("PGMANAGER_SOCKET", server.socket().toString()))
            .acquire()) {
      assertThat(lease.name()).isEqualTo("app_0");
      assertThat(lease.url()).isEmpty();
    }
  }

  @Test
  void javaClientTimeoutSaysWhatItWaitedFor() {
    serve("app_", 1);
    try (DatabaseLease held = DatabaseLease.builder().socket(server.socket()).acquire()) {
      assertThatThrownBy(
              () ->
                  DatabaseLease.builder()
                      .socket(server.socket())
                      .timeout(Duration.ofMillis(100))
                      .acquire())
          .isInstanceOf(PgIsolateException.class)
          .hasMessage(
              "timed out after 100 ms waiting for a database from the lease server on "
                  + server.socket()
                  + " (server: leased=1 free=0 waiting=1): every database stayed leased. Hint: a"
                  + " holder keeps its lease too long, or the pool is too small"
                  + " (PGM_DATABASE_COUNT).");
    }
  }

  @Test
  void javaClientInterruptedWhileWaitingStopsAtOnceAndLeavesTheLine() throws Exception {
    serve("app_", 1);
    try (DatabaseLease held = DatabaseLease.builder().socket(server.socket()).acquire()) {
      java.util.concurrent.CompletableFuture<Throwable> failure =
          new java.util.concurrent.CompletableFuture<>();
      Thread waiter =
          new Thread(
              () -> {
                try (DatabaseLease never =
                    DatabaseLease.builder()
                        .socket(server.socket())
                        .timeout(Duration.ofMinutes(5))
                        .acquire()) {
                  failure.complete(null);
                } catch (RuntimeException e) {
                  failure.complete(e);
                }
              });
      waiter.start();
      assertThat(server.pool().awaitState(s -> s.waiting().size() == 1, BOUND)).isTrue();
      waiter.interrupt();
      assertThat(failure.get(BOUND.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
          .isInstanceOf(PgIsolateException.class)
          .message()
          // "connecting to" when the interrupt came while the connect returned
          .matches(
              "interrupted while (waiting for a database from|connecting to) the lease server on "
                  + java.util.regex.Pattern.quote(server.socket().toString()));
      waiter.join(BOUND.toMillis());
      assertThat(server.pool().awaitState(s -> s.waiting().isEmpty(), BOUND))
          .as("the interrupted request left the line")
          .isTrue();
    }
  }

  @Test
  void javaClientSendsNothingToAServerThatIsNotPgisolate() throws IOException {
    // A pgmanager stand-in with every database leased: it never answers. pgmanager keeps for good
    // a database it handed to a client that sent anything, so neither the timeout's report nor
    // status() may send STATUS to it, even where a pgisolate server once left its lock file.
    Path socket = dir.resolve("pgmanager.sock");
    Files.createFile(dir.resolve("pgmanager.sock.lock"));
    try (ServerSocketChannel pgmanager = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      pgmanager.bind(UnixDomainSocketAddress.of(socket));
      assertThatThrownBy(
              () ->
                  DatabaseLease.builder().socket(socket).timeout(Duration.ofMillis(100)).acquire())
          .hasMessage(
              "timed out after 100 ms waiting for a database from the lease server on "
                  + socket
                  + ": every database stayed leased. Hint: a holder keeps its lease too long, or"
                  + " the pool is too small (PGM_DATABASE_COUNT).");
      assertThatThrownBy(() -> DatabaseLease.status(socket, BOUND))
          .hasMessage(
              "the server on "
                  + socket
                  + " is not a pgisolate server (none holds pgmanager.sock.lock): is it a"
                  + " pgmanager server? Only pgisolate serve reports status, and a pgmanager would"
                  + " keep the database it handed to the request for good.");
      pgmanager.configureBlocking(false);
      int connections = 0;
      SocketChannel accepted;
      while ((accepted = pgmanager.accept()) != null) {
        try (SocketChannel c = accepted) {
          connections++;
          c.configureBlocking(true);
          assertThat(c.read(ByteBuffer.allocate(64))).as("bytes sent").isEqualTo(-1);
        }
      }
      assertThat(connections).isEqualTo(1); // the lease request alone
    }
  }

  @Test
  void javaClientWithoutServerSaysHowToStartOne() {
    Path socket = dir.resolve("none.sock");
    assertThatThrownBy(() -> DatabaseLease.builder().socket(socket).acquire())
        .hasMessage(
            "no lease server on "
                + socket
                + ": the socket does not exist. Hint: start one with 'pgisolate serve' or run the"
                + " tests under 'pgisolate wrap -- …', and point PGM_SOCKET at its socket.");
  }

  @Test
  void urlsGetTheLeasedDatabase() {
    assertThat(DatabaseLease.withDatabase("postgres://u:p@h:5433/postgres?sslmode=disable", "a b"))
        .isEqualTo("postgres://u:p@h:5433/a%20b?sslmode=disable");
    assertThat(DatabaseLease.withDatabase("jdbc:postgresql://h/", "db1"))
        .isEqualTo("jdbc:postgresql://h/db1");
    assertThat(DatabaseLease.withDatabase("postgresql://h", "db1")).isEqualTo("postgresql://h/db1");
    assertThatThrownBy(() -> DatabaseLease.builder().baseUrl("mysql://h/db"))
        .hasMessage(
            "base URL 'mysql://h/db' is neither a jdbc:postgresql:// URL nor a postgres:// URI."
                + " Hint: e.g. jdbc:postgresql://localhost:5432/postgres?user=test");
  }
}
