package io.pgisolate.template;

import io.pgisolate.sql.PgServer;
import io.pgisolate.sql.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A template database on a server: the schema built once, cloned for every test.
 *
 * @param server where it lives
 * @param name its database name
 * @param source what it was built from
 */
public record Template(PgServer server, String name, InitSource source) {

  /**
   * A copy named {@code database}, made now (a {@link ClonePool} keeps copies ready instead, under
   * names of its own).
   */
  public Clone cloneAs(String database) throws SQLException {
    try (Connection admin = server.connect(server.adminDatabase())) {
      return cloneAs(admin, database);
    }
  }

  /** A copy named {@code database}, made now on {@code admin}, a connection to its server. */
  public Clone cloneAs(Connection admin, String database) throws SQLException {
    try (Statement st = admin.createStatement()) {
      st.execute(
          "CREATE DATABASE "
              + Sql.identifier(database)
              + " TEMPLATE "
              + Sql.identifier(name)
              + CloneStrategy.FILE_COPY.clause(admin.getMetaData().getDatabaseMajorVersion()));
    }
    return new Clone(server, database);
  }
}
