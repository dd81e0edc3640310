package io.pgisolate.cluster;

/** A child JVM for the crash tests: starts a cluster, says where it is, then waits to be killed. */
public final class ClusterHolder {
  private ClusterHolder() {}

  /**
   * {@code args[0]}, when given, is the data root (one no other JVM's start reaps); {@code args[1]}
   * "persist" keeps the cluster's files.
   */
  public static void main(String[] args) throws Exception {
    TempCluster.Builder builder = TempCluster.builder();
    if (args.length > 0) {
      builder.dataRoot(java.nio.file.Path.of(args[0]));
    }
    builder.persist(args.length > 1 && args[1].equals("persist"));
    TempCluster cluster = builder.start();
    System.out.println(
        cluster.pid() + " " + cluster.watchdogPid() + " " + cluster.dataDirectory().getParent());
    System.out.flush();
    System.in.read();
  }
}
