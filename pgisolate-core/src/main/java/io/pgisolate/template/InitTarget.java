package io.pgisolate.template;

import io.pgisolate.sql.PgServer;
import java.sql.Connection;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Where an init source builds its schema: a database being made into a template, or a schema of its
 * own (a test's in schema-per-test isolation, a worker's in rollback-per-test isolation), reached
 * through {@code connection}, in autocommit (search_path on the schema when there is one).
 *
 * @param server the server
 * @param database the database
 * @param schema the schema, when the source is to build into one schema only
 * @param connection an open connection to the database
 * @param dataSource for tools that open their own connections (Flyway, Liquibase)
 */
public record InitTarget(
    PgServer server,
    String database,
    Optional<String> schema,
    Connection connection,
    DataSource dataSource) {

  /** A target whose data source opens new connections to {@code database}. */
  public InitTarget(
      PgServer server, String database, Optional<String> schema, Connection connection) {
    this(server, database, schema, connection, server.dataSource(database));
  }
}
