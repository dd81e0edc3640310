package io.pgisolate.lease;

import io.pgisolate.PgIsolateException;
import io.pgisolate.sql.PgServer;
import io.pgisolate.sql.Sql;
import io.pgisolate.template.ClonePool;
import io.pgisolate.template.InitSource;
import io.pgisolate.template.Template;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pool's databases on the server that holds them, for {@code --create} and {@code --reset}:
 * made at start, dropped at exit, and made again between leases.
 *
 * <p>With a template (a database the user made, or one built from a schema source: {@link
 * PoolTemplate}), a database is made from a {@link ClonePool} of that template: a clone copied
 * ahead of time in the background is renamed to the database's name, so making one costs a drop and
 * a rename, not a copy. Without one, it is an empty {@code CREATE DATABASE}.
 */
public final class PoolDatabases implements AutoCloseable {
  /** Clone names start with it; renamed clones leave the clone pool's name space. */
  static final String CLONE_PREFIX = "pgi_lease";

  private final PgServer server;
  private final Optional<PoolTemplate> template;

  /** The template each database was last made from, to tell when it is out of date. */
  private final Map<String, String> madeFrom = new ConcurrentHashMap<>();

  private PoolDatabases(PgServer server, Optional<PoolTemplate> template) {
    this.server = server;
    this.template = template;
  }

  /**
   * The databases {@code plan} says, copies of its template database or of the template its schema
   * builds (built now when it does not exist yet); {@code count} sizes the clone pool.
   */
  public static PoolDatabases on(LeaseDatabases plan, int count) {
    PgServer pg = PgServer.fromUrl(plan.server());
    plan.template().ifPresent(t -> requireDatabase(pg, t));
    Optional<PoolTemplate> template =
        plan.schema()
            .map(source -> PoolTemplate.build(pg, source, count))
            .or(
                () ->
                    plan.template()
                        .map(
                            // A database the user made: nothing for pgisolate to build.
                            t -> PoolTemplate.of(new Template(pg, t, InitSource.empty()), count)));
    return new PoolDatabases(pg, template);
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

  /**
   * Whether {@code name}, free or just reset, may be leased as it is: always, but with a schema
   * that changed since it was made (see {@link PoolTemplate#isCurrent}).
   */
  public boolean isCurrent(String name) {
    return template.map(t -> t.isCurrent(madeFrom.getOrDefault(name, ""))).orElse(true);
  }

  private void make(String name, String what) {
    template.ifPresent(PoolTemplate::refresh);
    Optional<PoolTemplate.Copy> copy = template.map(PoolTemplate::acquire);
    try (Connection c = server.connect(server.adminDatabase());
        Statement s = c.createStatement()) {
      madeFrom.remove(name);
      s.execute(drop(name));
      if (copy.isPresent()) {
        s.execute(
            "alter database "
                + Sql.identifier(copy.get().database().name())
                + " rename to "
                + Sql.identifier(name));
        madeFrom.put(name, copy.get().template());
      } else {
        s.execute("create database " + Sql.identifier(name));
      }
    } catch (SQLException e) {
      throw failure(what, e);
    } finally {
      // Renamed away, the clone's own name is gone: this only lets the clone pool make another.
      copy.ifPresent(PoolTemplate.Copy::release);
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
    template.ifPresent(PoolTemplate::close);
  }
}
