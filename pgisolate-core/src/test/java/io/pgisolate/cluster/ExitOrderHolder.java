package io.pgisolate.cluster;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A child JVM for the exit tests: starts a cluster and registers a task to run at exit before the
 * cluster stops, which queries it (as a proxy closing its sessions would) and prints the outcome.
 */
public final class ExitOrderHolder {
  private ExitOrderHolder() {}

  public static void main(String[] args) throws Exception {
    TempCluster cluster = TempCluster.builder().start();
    Connection connection = cluster.dataSource().getConnection();
    JvmExit.beforeClustersStop(
        () -> {
          try (ResultSet rs = connection.createStatement().executeQuery("select 42")) {
            rs.next();
            System.out.println("at exit the cluster answered " + rs.getInt(1));
          } catch (SQLException e) {
            System.out.println("at exit the cluster failed: " + e.getMessage());
          }
          System.out.flush();
        });
    System.out.println(cluster.pid() + " " + cluster.dataDirectory().getParent());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
