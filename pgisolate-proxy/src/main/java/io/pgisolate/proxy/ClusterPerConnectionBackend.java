package io.pgisolate.proxy;

import io.netty.channel.unix.DomainSocketAddress;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.os.DaemonThreads;
import io.pgisolate.proxy.protocol.frontend.StartupMessage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 *
 * <p>A few clusters start at a time (one per CPU by default: more would not finish any sooner), the
 * others queue. A client that leaves before its cluster is up (a connect timeout, a killed client)
 * takes its start out of the queue; a start already under way is finished and its cluster stopped
 * at once, as a start cut short would have to be cleaned up the same way. So a storm of clients
 * that give up starts no more clusters than run at a time.
 */
public final class ClusterPerConnectionBackend implements BackendSelector, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterPerConnectionBackend.class);

  private final Supplier<TempCluster> clusters;

  /** Starts clusters, a few at a time; queued starts of clients that left are cancelled. */
  private final ExecutorService starters;

  /** Stops clusters, each as soon as it is no longer used. */
  private final ExecutorService stoppers;

  private final Map<BackendTarget, TempCluster> running = new ConcurrentHashMap<>();

  /** Selections whose cluster is queued or starting, and their start. */
  private final Map<CompletableFuture<BackendTarget>, Future<?>> starting =
      new ConcurrentHashMap<>();

  private boolean closed;

  /**
   * @param clusters starts one cluster (typically {@code builder::start}); called off the event
   *     loop, once per connection, as many at a time as there are CPUs
   */
  public ClusterPerConnectionBackend(Supplier<TempCluster> clusters) {
    this(clusters, Runtime.getRuntime().availableProcessors());
  }

  /**
   * @param clusters starts one cluster; called off the event loop, once per connection
   * @param concurrentStarts how many clusters start at a time; the others queue
   */
  public ClusterPerConnectionBackend(Supplier<TempCluster> clusters, int concurrentStarts) {
    if (concurrentStarts < 1) {
      throw new IllegalArgumentException(
          "concurrentStarts must be at least 1, was " + concurrentStarts);
    }
    this.clusters = Objects.requireNonNull(clusters, "clusters");
    this.starters =
        Executors.newFixedThreadPool(
            concurrentStarts, DaemonThreads.numbered("pgisolate-cluster-start"));
    this.stoppers = Executors.newCachedThreadPool(DaemonThreads.numbered("pgisolate-cluster"));
  }

  /** Clusters running for connections now. */
  public int runningClusters() {
    return running.size();
  }

  /** Clusters queued or starting for clients still connected. */
  public int startsWaiting() {
    return starting.size();
  }

  @Override
  public CompletionStage<BackendTarget> select(StartupMessage client) {
    CompletableFuture<BackendTarget> selection = new CompletableFuture<>();
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("the proxy is shutting down"));
      }
      starting.put(selection, starters.submit(() -> start(client, selection)));
    }
    return selection;
  }

  private void start(StartupMessage client, CompletableFuture<BackendTarget> selection) {
    TempCluster cluster;
    try {
      cluster = clusters.get();
    } catch (RuntimeException e) {
      starting.remove(selection);
      selection.completeExceptionally(e);
      return;
    }
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
    starting.remove(selection);
    if (!selection.complete(target)) {
      // The client left while it started (see abandon): nobody will use it.
      log.debug("client gone before its cluster {} was up: stopped at once", cluster);
      running.remove(target);
      stop(cluster);
      return;
    }
    log.debug("client database {} is {}", client.parameters().get("database"), cluster);
  }

  /**
   * The client left before its cluster was up: a queued start is dropped, one under way stops its
   * cluster as soon as it is up.
   */
  @Override
  public void abandon(CompletionStage<BackendTarget> selection) {
    Future<?> start = starting.remove(selection);
    if (start == null) {
      return; // up already: the proxy releases it as for any client that left
    }
    start.cancel(false);
    selection.toCompletableFuture().completeExceptionally(new CancellationException("client left"));
  }

  @Override
  public void release(BackendTarget target) {
    TempCluster cluster = running.remove(target);
    if (cluster == null) {
      return;
    }
    try {
      stoppers.execute(() -> stop(cluster));
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

  /**
   * Drops the queued starts, waits for those under way and for clusters being stopped, then stops
   * those still running.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    starting.forEach(
        (selection, start) -> {
          if (start.cancel(false)) {
            selection.completeExceptionally(
                new IllegalStateException("the proxy is shutting down"));
          }
        });
    starters.shutdown();
    stoppers.shutdown();
    try {
      if (!starters.awaitTermination(120, TimeUnit.SECONDS)
          || !stoppers.awaitTermination(120, TimeUnit.SECONDS)) {
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
