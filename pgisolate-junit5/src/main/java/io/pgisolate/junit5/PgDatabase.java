package io.pgisolate.junit5;

import io.pgisolate.template.PgServer;
import java.sql.Connection;
import javax.sql.DataSource;

/**
 * The database a test was given.
 *
 * @param server the server it lives on
 * @param name the database name
 */
public record PgDatabase(PgServer server, String name) {

  public String jdbcUrl() {
    return server.jdbcUrl(name);
  }

  public String uri() {
    return server.uri(name);
  }

  public String host() {
    return server.host();
  }

  public int port() {
    return server.port();
  }

  public String user() {
    return server.user();
  }

  public String password() {
    return server.password();
  }

  public DataSource dataSource() {
    return server.dataSource(name);
  }

  /** A new connection; the caller closes it. */
  public Connection connect() {
    return server.connect(name);
  }
}
