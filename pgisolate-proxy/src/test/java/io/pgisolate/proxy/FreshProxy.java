package io.pgisolate.proxy;

import io.netty.channel.unix.DomainSocketAddress;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.template.ClonePool;
import io.pgisolate.template.InitSource;
import io.pgisolate.template.Template;
import io.pgisolate.template.Templates;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * A pool of clones of a template, a fresh-mode selector and a proxy over them, for the tests of
 * this package; closed in the order the CLI closes them.
 */
record FreshProxy(ClonePool pool, FreshDatabaseBackend backend, ProxyServer proxy)
    implements AutoCloseable {

  /** The template the tests clone: table {@code greeting} with the row (1, 'hello'). */
  static Template greetingTemplate(TempCluster pg, String name) {
    return Templates.ensure(
        pg.server(),
        InitSource.callback(
            name,
            "1",
            target -> {
              try (Statement st = target.connection().createStatement()) {
                st.execute("CREATE TABLE greeting (id int PRIMARY KEY, text text)");
                st.execute("INSERT INTO greeting VALUES (1, 'hello')");
              }
            }),
        Duration.ofSeconds(60));
  }

  /**
   * @param single all connections share one clone ({@code --single})
   * @param persist clones are kept when their connection ends ({@code --persist})
   */
  static FreshProxy start(
      TempCluster pg,
      Template template,
      ClonePool.Settings settings,
      boolean single,
      boolean persist) {
    ClonePool pool = ClonePool.start(template, settings);
    DomainSocketAddress socket =
        new DomainSocketAddress(pg.socketDirectory().resolve(".s.PGSQL." + pg.port()).toFile());
    FreshDatabaseBackend backend =
        single
            ? FreshDatabaseBackend.single(pool, socket, pg.user(), pg.password())
            : FreshDatabaseBackend.perConnection(pool, socket, pg.user(), pg.password());
    if (persist) {
      backend = backend.persist();
    }
    ProxyServer proxy = ProxyServer.builder().backendSelector(backend).start();
    return new FreshProxy(pool, backend, proxy);
  }

  /** A pgjdbc connection through the proxy, naming {@code database} in its start-up. */
  Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://" + proxy.host() + ":" + proxy.port() + "/" + database, "anyone", "");
  }

  @Override
  public void close() {
    proxy.close();
    backend.close();
    pool.close();
  }
}
