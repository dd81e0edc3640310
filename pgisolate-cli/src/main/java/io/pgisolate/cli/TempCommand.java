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
          + " SIGTERM; then stop it and delete its files (unless --persist).",
      "",
      "stdout has only unset and export lines for a shell (PGHOST…, DATABASE_URL,"
          + " JDBC_DATABASE_URL, PGISOLATE_PID), and is closed once they are written; the rest"
          + " goes to stderr.",
      "",
      "Example: eval \"$(pgisolate temp &)\"; psql; kill $PGISOLATE_PID"
    })
final class TempCommand implements Callable<Integer> {
  @Mixin ClusterOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    TempCluster cluster = options.builder().start();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CountDownLatch stopped = new CountDownLatch(1);
    // At exit, before pgisolate's own hook would stop it: stopped here, so that the message
    // comes once it is really gone.
    JvmExit.beforeClustersStop(
        () -> {
          cluster.close();
          err.println(
              options.persist
                  ? "Stopped; the data directory is kept at " + cluster.dataDirectory()
                  : "Stopped and removed.");
          err.flush();
          stopped.countDown();
        });
    // stdout is only what a shell evaluates, and is closed once written: eval "$(pgisolate temp &)"
    // returns then. Everything for the reader goes to stderr.
    err.println(
        "PostgreSQL " + cluster.binaries().version() + " is running (pid " + cluster.pid() + ").");
    err.println("URI:  " + cluster.uri());
    if (!cluster.isSocketOnly()) {
      err.println("JDBC: " + cluster.jdbcUrl());
    }
    err.println("Data: " + cluster.dataDirectory());
    err.flush();
    ClusterEnvironment.handToShell(out, err, ClusterEnvironment.of(cluster));
    stopped.await();
    return 0;
  }
}
