package io.pgisolate.template;

import io.pgisolate.sql.PgServer;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * A database cloned from a template, handed to one test.
 *
 * @param server where it lives
 * @param name its database name
 */
public record Clone(PgServer server, String name) {

  public String jdbcUrl() {
    return server.jdbcUrl(name);
  }

  public String uri() {
    return server.uri(name);
  }

  public DataSource dataSource() {
    return server.dataSource(name);
  }

  public Connection connect() {
    return server.connect(name);
  }

  /** Drops it now, ending its sessions. */
  public void drop() throws SQLException {
    try (Connection admin = server.connect(server.adminDatabase())) {
      Templates.drop(admin, name);
    }
  }
}
