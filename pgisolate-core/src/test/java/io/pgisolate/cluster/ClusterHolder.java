package io.pgisolate.cluster;

/** A child JVM for the crash tests: starts a cluster, says where it is, then waits to be killed. */
public final class ClusterHolder {
  private ClusterHolder() {}

  public static void main(String[] args) throws Exception {
    TempCluster cluster = TempCluster.builder().start();
    System.out.println(
        cluster.pid() + " " + cluster.watchdogPid() + " " + cluster.dataDirectory().getParent());
    System.out.flush();
    System.in.read();
  }
}
