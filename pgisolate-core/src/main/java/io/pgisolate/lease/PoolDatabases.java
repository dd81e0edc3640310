package io.pgisolate.lease;

import io.pgisolate.PgIsolateException;
import io.pgisolate.sql.Sql;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The pool's databases on the server that holds them, for {@code --create} and {@code --reset}:
 * created (from a template database when given) at start, dropped at exit, and reset between leases
 * by dropping and re-creating them. {@code CREATE DATABASE … TEMPLATE} copies the template at the
 * file level, so a reset costs about one copy of it (PostgreSQL manual, "Template Databases",
 * section 22.3).
 */
public final class PoolDatabases {
  private final String url;
  private final Properties properties;
  private final String server;
  private final Optional<String> template;

  private PoolDatabases(
      String url, Properties properties, String server, Optional<String> template) {
    this.url = url;
    this.properties = properties;
    this.server = server;
    this.template = template;
  }

  /**
   * The databases on {@code server} (a postgres:// URI or jdbc:postgresql:// URL of a database to
   * connect to, e.g. postgres), copied from {@code template} when given.
   */
  public static PoolDatabases on(String server, Optional<String> template) {
    Properties properties = new Properties();
    String url = ServerUrl.jdbcUrl(server, "--server", properties);
    return new PoolDatabases(url, properties, server, template);
  }

  /** Creates every database afresh (dropping one of that name first). */
  public void createAll(List<String> names) {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      for (String name : names) {
        recreate(s, name);
      }
    } catch (SQLException e) {
      throw failure("create the pool databases", e);
    }
  }

  /** Drops every database; those already gone are fine. */
  public void dropAll(List<String> names) {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      for (String name : names) {
        s.execute("drop database if exists " + Sql.identifier(name) + " with (force)");
      }
    } catch (SQLException e) {
      throw failure("drop the pool databases", e);
    }
  }

  /** Drops {@code name} (ending its sessions) and creates it again from the template. */
  public void reset(String name) {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      recreate(s, name);
    } catch (SQLException e) {
      throw failure("reset " + name, e);
    }
  }

  private void recreate(Statement s, String name) throws SQLException {
    s.execute("drop database if exists " + Sql.identifier(name) + " with (force)");
    s.execute(
        "create database "
            + Sql.identifier(name)
            + template.map(t -> " template " + Sql.identifier(t)).orElse(""));
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(url, properties);
  }

  private PgIsolateException failure(String what, SQLException e) {
    String hint =
        template.isPresent() && String.valueOf(e.getMessage()).contains("is being accessed")
            ? " Hint: nobody may be connected to the template database "
                + template.get()
                + " while copies are made."
            : " Hint: check --server and that its user may create databases (CREATEDB).";
    return new PgIsolateException(
        "could not "
            + what
            + " on "
            + ServerUrl.redacted(server)
            + ": "
            + String.valueOf(e.getMessage()).replaceAll("\\R", " ")
            + "."
            + hint,
        e);
  }
}
