package io.pgisolate.cli;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** One-value queries for the tests' checks. */
final class Queries {
  private Queries() {}

  /** The first column of the first row {@code sql} returns on {@code c}. */
  static String scalar(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** The same on a connection of its own to {@code url}. */
  static String scalar(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url)) {
      return scalar(c, sql);
    }
  }
}
