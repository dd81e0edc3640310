package io.pgisolate.cli;

import io.pgisolate.cluster.JvmExit;
import io.pgisolate.cluster.TempCluster;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "temp",
    mixinStandardHelpOptions = true,
    versionProvider = PgIsolateCommand.Version.class,
    description = {
      "Start a temporary PostgreSQL, print how to connect, and keep it running until Ctrl-C or"
          + " SIGTERM; then stop it and delete its files (unless --persist)."
    })
final class TempCommand implements Callable<Integer> {
  @Mixin ClusterOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    TempCluster cluster = options.builder().start();
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch stopped = new CountDownLatch(1);
    // At exit, before pgisolate's own hook would stop it: stopped here, so that the message
    // comes once it is really gone.
    JvmExit.beforeClustersStop(
        () -> {
          cluster.close();
          PrintWriter err = spec.commandLine().getErr();
          err.println(
              options.persist
                  ? "Stopped; the data directory is kept at " + cluster.dataDirectory()
                  : "Stopped and removed.");
          err.flush();
          stopped.countDown();
        });
    out.println(
        "PostgreSQL " + cluster.binaries().version() + " is running (pid " + cluster.pid() + ").");
    out.println("URI:  " + cluster.uri());
    if (!cluster.isSocketOnly()) {
      out.println("JDBC: " + cluster.jdbcUrl());
    }
    out.println("Data: " + cluster.dataDirectory());
    out.print(ClusterEnvironment.exports(cluster));
    out.println("Press Ctrl-C to stop.");
    out.flush();
    stopped.await();
    return 0;
  }
}
