package io.pgisolate.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

/**
 * A child JVM for the tests of a server at pgisolate.url: connects to args[0], prints its database,
 * then exits, or with a second argument "wait", waits to be killed.
 */
public final class DriverUser {
  private DriverUser() {}

  public static void main(String[] args) throws Exception {
    try (Connection c = DriverManager.getConnection(args[0]);
        ResultSet rs = c.createStatement().executeQuery("select current_database()")) {
      rs.next();
      System.out.println(rs.getString(1));
      System.out.flush();
      if (args.length > 1 && args[1].equals("wait")) {
        System.in.read();
      }
    }
  }
}
