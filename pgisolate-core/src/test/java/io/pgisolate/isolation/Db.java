package io.pgisolate.isolation;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Small JDBC helpers for the isolation tests. */
final class Db {
  private Db() {}

  static long count(Connection c, String sql) throws SQLException {
    return Long.parseLong(string(c, sql));
  }

  /** Runs {@code sql} as a test of its own on {@code runner}: its count. */
  static long countIn(TransactionRunner runner, String sql) throws Exception {
    return runner.run(c -> count(c, sql));
  }

  static String string(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  static void exec(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
