package io.pgisolate.bench;

import io.netty.channel.unix.DomainSocketAddress;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.proxy.ClusterPerConnectionBackend;
import io.pgisolate.proxy.FreshDatabaseBackend;
import io.pgisolate.proxy.ProxyServer;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.ClonePool;
import io.pgisolate.template.CloneStrategy;
import io.pgisolate.template.InitSource;
import io.pgisolate.template.Template;
import io.pgisolate.template.Templates;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Issue 6: connect-to-first-query latency of a fresh database through the proxy. Each sample is
 * pgjdbc's {@code DriverManager.getConnection} plus {@code select 1}; closing is not counted.
 * Contenders, measured one after the other: a direct connection to PostgreSQL (trust, and
 * SCRAM-SHA-256 with PostgreSQL's default 4096 iterations), the proxy in fresh mode reaching
 * PostgreSQL through its UNIX socket (trusted: no SCRAM per connection) and over TCP (SCRAM per
 * connection), and a whole temporary cluster per connection (fewer samples: each takes a cluster
 * start).
 */
final class ProxyConnectBench {
  private ProxyConnectBench() {}

  private record Contender(Samples samples, String url, Properties properties) {}

  static void run(String[] args) throws Exception {
    int connections = Main.intOption(args, "--connections", 200);
    int clusterConnections = Main.intOption(args, "--cluster-connections", 20, 0);
    int ready = Main.intOption(args, "--ready", 4, 0);
    int warmup = 20;
    CloneStrategy strategy =
        CloneStrategy.valueOf(
            Main.choiceOption(args, "--strategy", List.of("FILE_COPY", "WAL_LOG")));

    try (TempCluster scram = TempCluster.builder().version("18").start();
        TempCluster trust =
            TempCluster.builder().version("18").passwordAuthentication(false).start()) {
      PgServer server = scram.server();
      Template template =
          Templates.ensure(
              server,
              InitSource.callback(
                  "proxy-connect-bench",
                  "1",
                  target -> {
                    try (Statement st = target.connection().createStatement()) {
                      st.execute(
                          "create table account (id bigint primary key, name text not null);"
                              + " create index on account (name);"
                              + " insert into account select g, 'name ' || g"
                              + " from generate_series(1, 1000) g");
                    }
                  }),
              Duration.ofSeconds(60));
      DomainSocketAddress socket =
          new DomainSocketAddress(
              scram.socketDirectory().resolve(".s.PGSQL." + scram.port()).toFile());
      ClonePool.Settings poolSettings =
          ClonePool.Settings.defaults()
              .withReady(ready)
              .withPrefix("pgi_bench")
              .withStrategy(strategy);
      try (ClonePool socketPool = ClonePool.start(template, poolSettings.withPrefix("pgi_bs"));
          ClonePool tcpPool = ClonePool.start(template, poolSettings.withPrefix("pgi_bt"));
          FreshDatabaseBackend viaSocket =
              FreshDatabaseBackend.perConnection(
                  socketPool, socket, scram.user(), scram.password());
          FreshDatabaseBackend viaTcp =
              FreshDatabaseBackend.perConnection(
                  tcpPool,
                  new InetSocketAddress(scram.host(), scram.port()),
                  scram.user(),
                  scram.password());
          ProxyServer freshSocket = ProxyServer.builder().backendSelector(viaSocket).start();
          ProxyServer freshTcp = ProxyServer.builder().backendSelector(viaTcp).start()) {
        System.out.printf(
            "proxy-connect: pgjdbc connect + select 1, %d connections each (after %d warm-up),"
                + " %d for cluster-per-connection; %s; %d cores; clone pool ready=%d, %s%n",
            connections,
            warmup,
            clusterConnections,
            scram.binaries(),
            Runtime.getRuntime().availableProcessors(),
            ready,
            strategy);
        List<Contender> contenders =
            List.of(
                contender("direct (TCP, trust)", trust.jdbcUrl(), trust.user(), ""),
                contender(
                    "direct (TCP, SCRAM 4096)", scram.jdbcUrl(), scram.user(), scram.password()),
                contender(
                    "proxy fresh (backend UNIX socket, trust)", proxyUrl(freshSocket), "a", ""),
                contender("proxy fresh (backend TCP, SCRAM 4096)", proxyUrl(freshTcp), "a", ""),
                contender(
                    "proxy fresh (UNIX socket), pool refilled between connects",
                    proxyUrl(freshSocket),
                    "a",
                    ""));
        // The last contender measures latency, not throughput: before each connect it waits
        // (untimed) until the pool has dropped the previous clone and is full again, as between
        // tests that take longer than a clone. Back to back, a connect waits for a clone.
        Contender warm = contenders.get(contenders.size() - 1);
        // One contender at a time, not interleaved: fresh mode drops and re-creates a clone in
        // the background after every connection, and on few cores that work would otherwise be
        // billed to the direct connections measured next to it.
        for (Contender c : contenders) {
          for (int i = 0; i < warmup; i++) {
            connectAndQuery(c);
          }
          for (int i = 0; i < connections; i++) {
            if (c == warm) {
              awaitFull(socketPool, ready);
            }
            c.samples().add(connectAndQuery(c));
          }
        }
        List<Samples> results = new ArrayList<>();
        contenders.forEach(c -> results.add(c.samples()));

        if (clusterConnections > 0) {
          results.add(clusterPerConnection(clusterConnections));
        }
        print(results, results.get(0));
        System.out.println(
            "Clone pools at the end: socket " + socketPool.state() + "; tcp " + tcpPool.state());
      }
    }
  }

  private static Samples clusterPerConnection(int connections) throws SQLException {
    try (ClusterPerConnectionBackend clusters =
            new ClusterPerConnectionBackend(
                () -> TempCluster.builder().version("18").socketOnly().start());
        ProxyServer proxy = ProxyServer.builder().backendSelector(clusters).start()) {
      Contender c = contender("proxy, a cluster per connection", proxyUrl(proxy), "a", "");
      connectAndQuery(c); // warm-up: binaries and initdb cache
      for (int i = 0; i < connections; i++) {
        c.samples().add(connectAndQuery(c));
      }
      return c.samples();
    }
  }

  /** Waits, bounded, until the pool is full and nothing is in use or in flight. */
  private static void awaitFull(ClonePool pool, int ready) throws InterruptedException {
    String full = "ready=" + ready + ", in use=0, being created=0, being dropped=0";
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!pool.state().startsWith(full)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the pool did not refill: " + pool.state());
      }
      Thread.sleep(1);
    }
  }

  private static String proxyUrl(ProxyServer proxy) {
    return "jdbc:postgresql://" + proxy.host() + ":" + proxy.port() + "/app";
  }

  private static Contender contender(String name, String url, String user, String password) {
    Properties properties = new Properties();
    properties.setProperty("user", user);
    properties.setProperty("password", password);
    return new Contender(new Samples(name), url, properties);
  }

  private static long connectAndQuery(Contender c) throws SQLException {
    long start = System.nanoTime();
    try (Connection connection = DriverManager.getConnection(c.url(), c.properties())) {
      try (Statement st = connection.createStatement();
          ResultSet rs = st.executeQuery("select 1")) {
        rs.next();
      }
      return System.nanoTime() - start;
    }
  }

  private static void print(List<Samples> results, Samples baseline) {
    Report.percentiles(System.out, results, baseline, "direct", "ms");
    System.out.println(
        "ratios are against " + baseline.name + "; target: proxy fresh p50 <= 10 ms.");
  }
}
