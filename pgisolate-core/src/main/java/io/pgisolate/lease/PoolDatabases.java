package io.pgisolate.lease;

import io.pgisolate.PgIsolateException;
import io.pgisolate.sql.PgServer;
import io.pgisolate.sql.Sql;
import io.pgisolate.template.Clone;
import io.pgisolate.template.ClonePool;
import io.pgisolate.template.InitSource;
import io.pgisolate.template.Template;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

/**
 * The pool's databases on the server that holds them, for {@code --create} and {@code --reset}:
 * made at start, dropped at exit, and made again between leases.
 *
 * <p>With a template, a database is made from a {@link ClonePool} of that template: a clone copied
 * ahead of time in the background is renamed to the database's name, so making one costs a drop and
 * a rename, not a copy. Without one, it is an empty {@code CREATE DATABASE}.
 */
public final class PoolDatabases implements AutoCloseable {
  /** Clone names start with it; renamed clones leave the clone pool's name space. */
  static final String CLONE_PREFIX = "pgi_lease";

  private final PgServer server;
  private final Optional<ClonePool> clones;

  private PoolDatabases(PgServer server, Optional<ClonePool> clones) {
    this.server = server;
    this.clones = clones;
  }

  /**
   * The databases on {@code server} (a postgres:// URI or jdbc:postgresql:// URL), copies of the
   * database {@code template} when given; {@code count} sizes the clone pool.
   */
  public static PoolDatabases on(String server, Optional<String> template, int count) {
    PgServer pg = PgServer.fromUrl(server);
    template.ifPresent(t -> requireDatabase(pg, t));
    Optional<ClonePool> clones =
        template.map(
            t ->
                ClonePool.start(
                    // The template is a database the user made: nothing for pgisolate to build.
                    new Template(pg, t, InitSource.empty()),
                    ClonePool.Settings.defaults()
                        .withPrefix(CLONE_PREFIX)
                        .withReady(Math.min(count, 4))
                        .withMax(count + 4)));
    return new PoolDatabases(pg, clones);
  }

  private static void requireDatabase(PgServer server, String name) {
    try (Connection c = server.connect(server.adminDatabase());
        PreparedStatement ps = c.prepareStatement("select 1 from pg_database where datname = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new PgIsolateException(
              "the template database '"
                  + name
                  + "' does not exist on "
                  + server
                  + ". Hint: create it, or leave out --template for empty databases.");
        }
      }
    } catch (SQLException e) {
      throw new PgIsolateException(
          "could not look for the template database '" + name + "' on " + server + ": " + e, e);
    }
  }

  /** Makes every database afresh (dropping one of that name first). */
  public void createAll(List<String> names) {
    for (String name : names) {
      make(name, "create " + name);
    }
  }

  /** Drops every database; those already gone are fine. */
  public void dropAll(List<String> names) {
    try (Connection c = server.connect(server.adminDatabase());
        Statement s = c.createStatement()) {
      for (String name : names) {
        s.execute(drop(name));
      }
    } catch (SQLException e) {
      throw failure("drop the pool databases", e);
    }
  }

  /** Drops {@code name} (ending its sessions) and makes it again. */
  public void reset(String name) {
    make(name, "reset " + name);
  }

  private void make(String name, String what) {
    Optional<Clone> clone = clones.map(ClonePool::acquire);
    try (Connection c = server.connect(server.adminDatabase());
        Statement s = c.createStatement()) {
      s.execute(drop(name));
      if (clone.isPresent()) {
        s.execute(
            "alter database "
                + Sql.identifier(clone.get().name())
                + " rename to "
                + Sql.identifier(name));
      } else {
        s.execute("create database " + Sql.identifier(name));
      }
    } catch (SQLException e) {
      throw failure(what, e);
    } finally {
      // Renamed away, the clone's own name is gone: this only lets the clone pool make another.
      clone.ifPresent(cl -> clones.get().release(cl));
    }
  }

  private static String drop(String name) {
    // WITH (FORCE): PostgreSQL 13+; ends the sessions a killed client may have left.
    return "drop database if exists " + Sql.identifier(name) + " with (force)";
  }

  private PgIsolateException failure(String what, SQLException e) {
    return new PgIsolateException(
        "could not "
            + what
            + " on "
            + server
            + ": "
            + String.valueOf(e.getMessage()).replaceAll("\\R", " ")
            + ". Hint: check --server and that its user may create databases (CREATEDB).",
        e);
  }

  /** Stops the clone pool, dropping its ready clones. */
  @Override
  public void close() {
    clones.ifPresent(ClonePool::close);
  }
}
