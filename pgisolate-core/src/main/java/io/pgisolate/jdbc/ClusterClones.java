package io.pgisolate.jdbc;

import io.pgisolate.cluster.JvmExit;
import io.pgisolate.os.DaemonThreads;
import io.pgisolate.sql.PgServer;
import io.pgisolate.sql.Sql;
import io.pgisolate.template.Clone;
import io.pgisolate.template.InitSource;
import io.pgisolate.template.Template;
import io.pgisolate.template.Templates;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The databases the driver makes on the JVM's own temporary cluster, where no other JVM works. They
 * are made on one admin connection kept open, so a new name costs statements, not logins. Once a
 * second name has been made, a spare copy of the template is made ahead, in the background, and the
 * next new name of the same template is that spare renamed: one catalog update instead of a copy. A
 * JVM that asks for one database never gets a spare (nor its copying, nor its drop at exit).
 *
 * <p>A spare is handed out only for the template it was copied from, and a template's name is its
 * content's hash, so a schema changed since gets a fresh copy of its own template; the stale spare
 * is dropped then. The spare is dropped at JVM exit, before the cluster stops.
 */
final class ClusterClones {
  /** The names of spares: {@code pgi_spare_<n>}. */
  static final String SPARE_PREFIX = "pgi_spare_";

  private static final Logger log = LoggerFactory.getLogger(ClusterClones.class);
  private static final ConcurrentMap<PgServer, ClusterClones> CLUSTERS = new ConcurrentHashMap<>();

  private final PgServer server;
  private final ExecutorService refills =
      Executors.newSingleThreadExecutor(DaemonThreads.named("pgisolate-spare-database"));
  private Connection admin; // guarded by this; opened on first use
  private Template spareOf; // guarded by this; the spare's template, null when there is no spare
  private String spare; // guarded by this
  private int made; // guarded by this
  private int sparesMade; // guarded by this
  private boolean closed; // guarded by this

  private ClusterClones(PgServer server) {
    this.server = server;
  }

  /** The clones of the temporary cluster {@code server}; dropped at JVM exit. */
  static ClusterClones of(PgServer server) {
    return CLUSTERS.computeIfAbsent(
        server,
        s -> {
          ClusterClones clones = new ClusterClones(s);
          JvmExit.beforeClustersStop(clones::close);
          return clones;
        });
  }

  /**
   * The template of {@code source}: one query when it exists, built by {@link Templates#ensure}
   * when not. Its name is hashed from the source's files as they are now, so a file edited since
   * the last new name gives a new template, as without this shortcut.
   */
  Template template(InitSource source, Duration lockTimeout) {
    String name = Templates.nameOf(source);
    if (isTemplate(name)) {
      return new Template(server, name, source);
    }
    return Templates.ensure(server, source, lockTimeout);
  }

  private synchronized boolean isTemplate(String name) {
    if (closed) {
      return false;
    }
    try {
      return Templates.isTemplate(admin(), name);
    } catch (SQLException e) {
      // Templates.ensure, on a connection of its own, says what is wrong with the server.
      discardBrokenAdmin(e);
      return false;
    }
  }

  /**
   * A copy of {@code template} named {@code name}: the spare renamed when it is of this template,
   * else copied now. An existing {@code name} fails as {@code CREATE DATABASE} does (and keeps the
   * spare).
   */
  synchronized Clone cloneAs(Template template, String name) throws SQLException {
    if (closed) {
      return template.cloneAs(name); // the JVM is exiting
    }
    try {
      if (spare != null && !spareOf.name().equals(template.name())) {
        dropSpare(); // of another version of the schema
      }
      if (spare != null) {
        try (Statement st = admin().createStatement()) {
          st.execute(
              "ALTER DATABASE " + Sql.identifier(spare) + " RENAME TO " + Sql.identifier(name));
        }
        spare = null;
        spareOf = null;
      } else {
        template.cloneAs(admin(), name);
      }
    } catch (SQLException e) {
      discardBrokenAdmin(e);
      throw e;
    }
    if (made++ > 0) {
      refills.execute(() -> refill(template));
    }
    return new Clone(server, name);
  }

  /** Makes a spare of {@code template}, unless there is one already. */
  private synchronized void refill(Template template) {
    if (closed || spare != null) {
      return;
    }
    String name = SPARE_PREFIX + ++sparesMade;
    try {
      template.cloneAs(admin(), name);
      spare = name;
      spareOf = template;
    } catch (SQLException | RuntimeException e) {
      // The next new name is copied when it is asked for.
      log.warn(
          "Could not make spare database {} of template {}: {}",
          name,
          template.name(),
          e.toString());
      discardBrokenAdmin(e);
    }
  }

  private void dropSpare() throws SQLException {
    String dropped = spare;
    spare = null;
    spareOf = null;
    Templates.drop(admin(), dropped);
  }

  /** The spare, once the refills asked for so far have run (a seam for tests). */
  Optional<String> spare() throws Exception {
    if (!refills.isShutdown()) {
      refills.submit(() -> {}).get(1, TimeUnit.MINUTES);
    }
    synchronized (this) {
      return Optional.ofNullable(spare);
    }
  }

  /** Drops the spare and closes the admin connection; later clones are made as without them. */
  synchronized void close() {
    closed = true;
    refills.shutdown();
    if (admin == null) {
      return;
    }
    String left = spare;
    try {
      if (left != null) {
        dropSpare();
      }
    } catch (SQLException | RuntimeException e) {
      log.warn("Could not drop spare database {}: {}", left, e.toString());
    } finally {
      closeAdmin();
    }
  }

  /** The kept admin connection, opened now when there is none (or the last one broke). */
  private Connection admin() throws SQLException {
    if (admin == null) {
      admin = server.connect(server.adminDatabase());
      // Idle between new names, perhaps for the whole run.
      PgServer.prepareLongLivedSession(admin);
    }
    return admin;
  }

  private void discardBrokenAdmin(Exception cause) {
    try {
      if (admin != null && admin.isValid(1)) {
        return; // the statement failed, not the connection
      }
    } catch (SQLException e) {
      // not valid either
    }
    log.debug("Reconnecting the admin connection after: {}", cause.toString());
    closeAdmin();
  }

  private void closeAdmin() {
    if (admin == null) {
      return;
    }
    try {
      admin.close();
    } catch (SQLException e) {
      log.debug("Could not close the admin connection: {}", e.toString());
    }
    admin = null;
  }
}
