package io.pgisolate.proxy;

import static io.pgisolate.proxy.FreshDatabaseBackendIT.awaitTrue;
import static io.pgisolate.proxy.FreshDatabaseBackendIT.scalar;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.proxy.protocol.frontend.StartupMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole temporary cluster per connection (pgtemp's behaviour), through the proxy. */
class FreshClusterPerConnectionIT {

  @Test
  void eachConnectionHasItsOwnClusterStoppedWhenItLeaves(@TempDir Path dir) throws Exception {
    Path schema = dir.resolve("schema.sql");
    Files.writeString(
        schema, "CREATE TABLE greeting (text text); INSERT INTO greeting VALUES ('hi');");
    try (ClusterPerConnectionBackend clusters =
            new ClusterPerConnectionBackend(
                () -> TempCluster.builder().socketOnly().initScript(schema).start());
        ProxyServer proxy = ProxyServer.builder().backendSelector(clusters).start()) {
      String url = "jdbc:postgresql://" + proxy.host() + ":" + proxy.port() + "/any";
      try (Connection a = DriverManager.getConnection(url, "anyone", "");
          Connection b = DriverManager.getConnection(url, "anyone", "")) {
        String dataA = scalar(a, "SHOW data_directory");
        assertThat(dataA).isNotEqualTo(scalar(b, "SHOW data_directory"));
        assertThat(scalar(a, "SELECT text FROM greeting")).isEqualTo("hi");
        a.createStatement().execute("CREATE TABLE only_in_a (id int)");
        assertThat(scalar(b, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"))
            .isEqualTo("0");
        assertThat(clusters.runningClusters()).isEqualTo(2);
        a.close();
        awaitTrue(
            () -> clusters.runningClusters() == 1 && !Files.exists(Path.of(dataA)),
            "the first connection's cluster stopped and removed");
      }
      awaitTrue(() -> clusters.runningClusters() == 0, "every cluster stopped");
    }
  }

  /**
   * A storm of clients that give up right after their start-up packet (a connect timeout, a killed
   * client): the starts that have not begun are dropped, those under way are stopped as soon as
   * they are up, and nothing is left behind.
   */
  @Test
  void clientsThatLeaveWhileTheirClusterStartsLeaveNothingBehind(@TempDir Path root)
      throws Exception {
    int storm = 10;
    AtomicInteger starts = new AtomicInteger();
    AtomicInteger underWay = new AtomicInteger();
    CountDownLatch stormNoticed = new CountDownLatch(1);
    Supplier<TempCluster> start =
        () -> {
          starts.incrementAndGet();
          underWay.incrementAndGet();
          try {
            // Held until every client of the storm is known to have left.
            assertThat(stormNoticed.await(30, TimeUnit.SECONDS)).isTrue();
            return TempCluster.builder().socketOnly().dataRoot(root).start();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          } finally {
            underWay.decrementAndGet();
          }
        };
    try (ClusterPerConnectionBackend clusters = new ClusterPerConnectionBackend(start, 2);
        ProxyServer proxy = ProxyServer.builder().backendSelector(clusters).start()) {
      for (int i = 0; i < storm; i++) {
        try (Socket socket = new Socket(proxy.host(), proxy.port())) {
          ByteBuf startup = Unpooled.buffer();
          new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "anyone")).encode(startup);
          socket.getOutputStream().write(ByteBufUtil.getBytes(startup));
          startup.release();
          socket.getInputStream().read(); // authenticated: its cluster is asked for
        }
      }
      awaitTrue(() -> clusters.startsWaiting() == 0, "every departure noticed");
      stormNoticed.countDown();
      awaitTrue(
          () -> underWay.get() == 0 && clusters.runningClusters() == 0 && leftovers(root) == 0,
          "the starts under way ended, their clusters stopped and removed");
      // At most the two under way when the clients left (one not yet begun is dropped too).
      assertThat(starts.get())
          .as("cluster starts for %d departed clients", storm)
          .isLessThanOrEqualTo(2);
      assertThat(postgresProcessesUnder(root)).isZero();
    }
  }

  /**
   * Files (data directories, sockets, lock files) under {@code root}; -1 while a cluster's files
   * are being deleted under the walk, which then meets a file that is gone.
   */
  private static long leftovers(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(file -> !Files.isDirectory(file)).count();
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof java.nio.file.NoSuchFileException) {
        return -1;
      }
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long postgresProcessesUnder(Path root) {
    return ProcessHandle.allProcesses()
        .filter(
            process ->
                process.info().commandLine().orElse("").contains(root.toString())
                    && process.info().command().orElse("").endsWith("postgres"))
        .count();
  }
}
