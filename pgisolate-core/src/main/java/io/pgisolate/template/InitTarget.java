package io.pgisolate.template;

import java.sql.Connection;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Where an init source builds its schema: a database being made into a template, or a schema of its
 * own (schema-per-test isolation), reached through {@code connection} (autocommit, simple query
 * protocol, search_path on the schema when there is one).
 *
 * @param server the server
 * @param database the database
 * @param schema the schema, when the source is to build into one schema only
 * @param connection an open connection to the database
 */
public record InitTarget(
    PgServer server, String database, Optional<String> schema, Connection connection) {

  /** A data source for tools that open their own connections (Flyway, Liquibase). */
  public DataSource dataSource() {
    return server.dataSource(database);
  }
}
