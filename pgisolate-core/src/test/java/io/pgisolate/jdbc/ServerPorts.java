package io.pgisolate.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

/** A child JVM for the tests of the JVM's cluster: prints the server port each URL reached. */
public final class ServerPorts {
  private ServerPorts() {}

  public static void main(String[] args) throws Exception {
    for (String url : args) {
      try (Connection c = DriverManager.getConnection(url);
          ResultSet rs = c.createStatement().executeQuery("show port")) {
        rs.next();
        System.out.println(rs.getString(1));
      }
    }
  }
}
