package io.pgisolate.isolation;

import io.pgisolate.sql.PgServer;
import io.pgisolate.sql.Sql;
import io.pgisolate.template.InitSource;
import io.pgisolate.template.InitTarget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schemas of one database, each built by one init source: SCHEMA isolation builds one per test, a
 * TRANSACTION worker one for its life. Both build and drop them the same way.
 *
 * @param server the server
 * @param database the database the schemas are in
 * @param source what builds each schema
 */
record SourceSchemas(PgServer server, String database, InitSource source) {
  private static final Logger log = LoggerFactory.getLogger(SourceSchemas.class);

  /**
   * Creates {@code schema}, makes it the session's search_path (so that unqualified names land
   * there) and runs the init source in it, on {@code c}, which is in autocommit: the schema and
   * whatever the init source commits are committed.
   */
  void build(Connection c, String schema) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(
          "CREATE SCHEMA "
              + Sql.identifier(schema)
              + "; SET search_path = "
              + Sql.identifier(schema));
    }
    source.apply(new InitTarget(server, database, Optional.of(schema), c));
  }

  /** Drops {@code schema} from a new connection; a failure is logged, not thrown. */
  void drop(String schema) {
    try (Connection c = server.connect(database);
        Statement st = c.createStatement()) {
      drop(st, schema);
    } catch (SQLException | RuntimeException e) {
      log.warn("Could not drop schema {} in {}: {}", schema, database, e.toString());
    }
  }

  /**
   * The tables of {@code schema} that {@code c} sees, by name, in name order: ordinary and
   * materialised ones, and with {@code withPartitioned} the partitioned parents too (their
   * partitions are listed anyway).
   */
  static List<String> tables(Connection c, String schema, boolean withPartitioned)
      throws SQLException {
    List<String> tables = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND (c.relkind IN ('r', 'm') OR (? AND c.relkind = 'p'))"
                + " ORDER BY c.relname")) {
      ps.setString(1, schema);
      ps.setBoolean(2, withPartitioned);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
    }
    return tables;
  }

  /**
   * Drops {@code schema} and everything in it, if it is still there, on {@code st}'s connection.
   */
  static void drop(Statement st, String schema) throws SQLException {
    // Bounded: a session holding a lock on one of its tables must not hang the caller for ever.
    st.execute("SET lock_timeout = '30s'");
    st.execute("DROP SCHEMA IF EXISTS " + Sql.identifier(schema) + " CASCADE");
  }
}
