package io.pgisolate.cluster;

import io.pgisolate.binaries.BinariesResolver;
import io.pgisolate.binaries.PgBinaries;
import io.pgisolate.os.CacheDirectory;
import io.pgisolate.sql.PgServer;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * The server a JVM's tests make their databases on: the one named by {@code pgisolate.url} (or
 * {@code PGISOLATE_URL}), else a temporary cluster started on first use and stopped at JVM exit.
 * The JUnit extension and the {@code jdbc:pgisolate:} driver both take theirs here, so a JVM that
 * uses both runs one cluster (one per PostgreSQL installation its version requests resolve to).
 */
public final class JvmServer {
  /** The configuration parameter (or system property) naming an existing server. */
  public static final String URL_PARAMETER = "pgisolate.url";

  /**
   * The configuration parameter (or system property) naming the PostgreSQL version of the temporary
   * cluster.
   */
  public static final String VERSION_PARAMETER = "pgisolate.pg.version";

  /** The environment variable naming an existing server. */
  public static final String URL_ENV = "PGISOLATE_URL";

  private static final ConcurrentMap<String, JvmServer> SERVERS = new ConcurrentHashMap<>();

  private final PgServer server;
  private final Optional<TempCluster> cluster;

  private JvmServer(PgServer server, Optional<TempCluster> cluster) {
    this.server = server;
    this.cluster = cluster;
  }

  /**
   * The server at {@code url}; without one, this JVM's temporary cluster of {@code version} (the
   * default PostgreSQL when empty), started now if it is not running yet.
   */
  public static JvmServer get(Optional<String> url, Optional<String> version) {
    if (url.isPresent()) {
      return SERVERS.computeIfAbsent(
          "url:" + url.get(), k -> new JvmServer(PgServer.fromUrl(url.get()), Optional.empty()));
    }
    // Keyed by the binaries the request resolves to, not by its text: no version, 18, 18.1.0 and
    // PGISOLATE_PG_VERSION=18 may all name the same installation, which gets one cluster.
    PgBinaries binaries =
        BinariesResolver.resolve(
            BinariesResolver.Request.fromEnvironment(
                Optional.empty(), version, CacheDirectory.resolve(Optional.empty())));
    String key = "temp:" + binaries.bin();
    JvmServer found = SERVERS.get(key);
    if (found != null) {
      return found;
    }
    // One start at a time: a second caller waits for the cluster instead of starting another.
    synchronized (JvmServer.class) {
      return SERVERS.computeIfAbsent(key, k -> start(binaries));
    }
  }

  private static JvmServer start(PgBinaries binaries) {
    // stopped at JVM exit (LiveClusters)
    TempCluster cluster = TempCluster.builder().binaries(binaries.bin()).start();
    return new JvmServer(cluster.server(), Optional.of(cluster));
  }

  /**
   * The URL of an existing server, when one is configured: the parameter {@code pgisolate.url}
   * looked up in {@code parameters}, else the environment variable {@code PGISOLATE_URL}.
   */
  public static Optional<String> configuredUrl(Function<String, Optional<String>> parameters) {
    return parameters
        .apply(URL_PARAMETER)
        .or(() -> Optional.ofNullable(System.getenv(URL_ENV)))
        .filter(u -> !u.isBlank());
  }

  public PgServer server() {
    return server;
  }

  /** The temporary cluster the server is, or empty for an existing server. */
  public Optional<TempCluster> cluster() {
    return cluster;
  }
}
