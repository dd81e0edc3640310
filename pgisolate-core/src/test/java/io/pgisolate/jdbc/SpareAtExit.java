package io.pgisolate.jdbc;

import io.pgisolate.cluster.JvmExit;
import io.pgisolate.cluster.JvmServer;
import io.pgisolate.sql.PgServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A child JVM for {@link ClusterClonesIT}: makes three databases with the driver, prints the spare
 * left, then exits; a task registered before the driver's runs after its cleanup, before the
 * cluster stops, and prints the spares still there.
 */
public final class SpareAtExit {
  private SpareAtExit() {}

  public static void main(String[] args) throws Exception {
    // Exit tasks run newest first: this one after the driver's, registered later.
    JvmExit.beforeClustersStop(SpareAtExit::printSpares);
    for (String name : List.of("exit_1", "exit_2", "exit_3")) {
      DriverManager.getConnection("jdbc:pgisolate:///" + name + "?scripts=db/isolation/schema.sql")
          .close();
    }
    PgServer server = server();
    System.out.println("spare before exit: " + ClusterClones.of(server).spare().orElse("none"));
    System.out.flush();
  }

  private static void printSpares() {
    try (Connection admin = server().connect("postgres")) {
      List<String> left = spares(admin);
      System.out.println("spares at exit: " + (left.isEmpty() ? "none" : left));
    } catch (SQLException e) {
      System.out.println("spares at exit: " + e);
    }
    System.out.flush();
  }

  private static PgServer server() {
    return JvmServer.get(Optional.empty(), Optional.empty()).server();
  }

  static List<String> spares(Connection admin) throws SQLException {
    List<String> names = new ArrayList<>();
    try (ResultSet rs =
        admin
            .createStatement()
            .executeQuery(
                "select datname from pg_database where starts_with(datname, '"
                    + ClusterClones.SPARE_PREFIX
                    + "') order by 1")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }
}
