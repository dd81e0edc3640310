package io.pgisolate.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

/** A child JVM for the drop-at-exit test: connects to args[0], prints its database, exits. */
public final class DriverUser {
  private DriverUser() {}

  public static void main(String[] args) throws Exception {
    try (Connection c = DriverManager.getConnection(args[0]);
        ResultSet rs = c.createStatement().executeQuery("select current_database()")) {
      rs.next();
      System.out.println(rs.getString(1));
    }
  }
}
