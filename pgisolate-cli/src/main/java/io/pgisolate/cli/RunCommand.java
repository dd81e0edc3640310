package io.pgisolate.cli;

import io.pgisolate.cluster.JvmExit;
import io.pgisolate.cluster.TempCluster;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Start a temporary PostgreSQL, run CMD with DATABASE_URL, JDBC_DATABASE_URL and PGHOST,"
          + " PGPORT, PGUSER, PGPASSWORD, PGDATABASE set, then stop and delete it. Exits with"
          + " CMD's exit code.",
      "",
      "Example: pgisolate run -- psql -c 'select version()'"
    })
final class RunCommand implements Callable<Integer> {
  @Mixin ClusterOptions options;

  @Parameters(arity = "1..*", paramLabel = "CMD", description = "the command to run, after --")
  List<String> command = new ArrayList<>();

  @Override
  public Integer call() throws IOException, InterruptedException {
    try (TempCluster cluster = options.builder().start()) {
      ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
      builder.environment().putAll(ClusterEnvironment.of(cluster));
      Child child = new Child();
      // On SIGTERM or Ctrl-C the JVM exits through its hooks: take CMD down, then the cluster.
      // Registered before CMD starts, so that a signal just after it started finds it.
      try (JvmExit.Registration stopChild = JvmExit.beforeClustersStop(child::stop)) {
        return child.start(builder).waitFor();
      }
    }
  }

  /** CMD, started unless the JVM is already exiting, and stopped when it exits. */
  private final class Child {
    private Process process; // guarded by this
    private boolean exiting; // guarded by this

    synchronized Process start(ProcessBuilder builder) {
      if (exiting) {
        throw new io.pgisolate.PgIsolateException(
            "not running '" + command.get(0) + "': pgisolate is stopping.");
      }
      try {
        process = builder.start();
      } catch (IOException e) {
        throw new io.pgisolate.PgIsolateException(
            "cannot run '"
                + command.get(0)
                + "': "
                + e.getMessage()
                + ". Hint: check the command name and that it is on the PATH.",
            e);
      }
      return process;
    }

    void stop() {
      Process started;
      synchronized (this) {
        exiting = true;
        started = process;
      }
      if (started != null) {
        RunCommand.stop(started);
      }
    }
  }

  private static void stop(Process process) {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
    }
  }
}
