package io.pgisolate.proxy;

import io.netty.channel.unix.DomainSocketAddress;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.os.DaemonThreads;
import io.pgisolate.proxy.protocol.frontend.StartupMessage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole temporary cluster per client connection (what the Rust tool pgtemp does): started when
 * the client has authenticated, reached through its UNIX socket, and stopped and removed when the
 * client disconnects. It costs a cluster start per connection (hundreds of milliseconds, against
 * milliseconds for a {@link FreshDatabaseBackend} clone) and gives full isolation: roles, settings
 * and extensions of one connection never reach another.
 */
public final class ClusterPerConnectionBackend implements BackendSelector, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterPerConnectionBackend.class);

  private final Supplier<TempCluster> clusters;
  private final ExecutorService workers;
  private final Map<BackendTarget, TempCluster> running = new ConcurrentHashMap<>();
  private boolean closed;

  /**
   * @param clusters starts one cluster (typically {@code builder::start}); called off the event
   *     loop, once per connection
   */
  public ClusterPerConnectionBackend(Supplier<TempCluster> clusters) {
    this.clusters = Objects.requireNonNull(clusters, "clusters");
    this.workers = Executors.newCachedThreadPool(DaemonThreads.numbered("pgisolate-cluster"));
  }

  /** Clusters running for connections now. */
  public int runningClusters() {
    return running.size();
  }

  @Override
  public CompletionStage<BackendTarget> select(StartupMessage client) {
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("the proxy is shutting down"));
      }
    }
    return CompletableFuture.supplyAsync(
        () -> {
          TempCluster cluster = clusters.get();
          Map<String, String> parameters = new LinkedHashMap<>(client.parameters());
          parameters.put("database", cluster.database());
          BackendTarget target =
              new BackendTarget(
                  new DomainSocketAddress(
                      cluster.socketDirectory().resolve(".s.PGSQL." + cluster.port()).toFile()),
                  cluster.user(),
                  cluster.password(),
                  parameters);
          running.put(target, cluster);
          log.debug("client database {} is {}", client.parameters().get("database"), cluster);
          return target;
        },
        workers);
  }

  @Override
  public void release(BackendTarget target) {
    TempCluster cluster = running.remove(target);
    if (cluster == null) {
      return;
    }
    try {
      workers.execute(() -> stop(cluster));
    } catch (RuntimeException e) {
      stop(cluster); // closing: the executor no longer takes work
    }
  }

  private static void stop(TempCluster cluster) {
    try {
      cluster.close();
    } catch (RuntimeException e) {
      log.warn("Could not stop {}: {}", cluster, e.getMessage());
    }
  }

  /** Waits for clusters being started or stopped, then stops those still running. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    workers.shutdown();
    try {
      if (!workers.awaitTermination(120, TimeUnit.SECONDS)) {
        log.warn("Cluster threads did not finish within 120 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<TempCluster> left = List.copyOf(running.values());
    running.clear();
    left.forEach(ClusterPerConnectionBackend::stop);
  }
}
