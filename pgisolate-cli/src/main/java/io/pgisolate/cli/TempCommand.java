package io.pgisolate.cli;

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
    // The cluster is stopped by pgisolate's own shutdown hook; this one only reports it.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  cluster.close();
                  PrintWriter err = spec.commandLine().getErr();
                  err.println(
                      options.persist
                          ? "Stopped; the data directory is kept at " + cluster.dataDirectory()
                          : "Stopped and removed.");
                  err.flush();
                  stopped.countDown();
                },
                "pgisolate-temp-stop"));
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
