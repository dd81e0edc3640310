package io.pgisolate.cli;

import io.pgisolate.cluster.JvmExit;
import io.pgisolate.cluster.TempCluster;
import io.pgisolate.lease.ChildCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    versionProvider = PgIsolateCommand.Version.class,
    description = {
      "Start a temporary PostgreSQL, run CMD with DATABASE_URL, JDBC_DATABASE_URL and PGHOST,"
          + " PGPORT, PGUSER, PGPASSWORD, PGDATABASE set, then stop and delete it. Exits with"
          + " CMD's exit code (128 + n when signal n killed it, 127 when it was not found, 126"
          + " when it could not be executed).",
      "",
      "Example: pgisolate run -- psql -c 'select version()'"
    })
final class RunCommand implements Callable<Integer> {
  @Mixin ClusterOptions options;

  @Parameters(
      arity = "1..*",
      paramLabel = "CMD",
      description = "the command to run and its arguments (-- before it is optional)")
  List<String> command = new ArrayList<>();

  @Override
  public Integer call() {
    ChildCommand child = new ChildCommand();
    // On SIGTERM or Ctrl-C the JVM exits through its hooks: this one takes CMD down, and every
    // process it started, before the cluster stops. Registered before the cluster starts, so that
    // a signal during start-up keeps CMD from starting at all.
    try (JvmExit.Registration stopChild = JvmExit.beforeClustersStop(child::stop);
        TempCluster cluster = options.builder().start()) {
      return child.run(command, ClusterEnvironment.forChild(cluster));
    }
  }
}
