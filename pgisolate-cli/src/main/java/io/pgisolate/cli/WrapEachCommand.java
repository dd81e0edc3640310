package io.pgisolate.cli;

import io.pgisolate.lease.LeaseWrapEach;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "wrap-each",
    mixinStandardHelpOptions = true,
    versionProvider = PgIsolateCommand.Version.class,
    description = {
      "Run CMD once per pool database, with PGDATABASE set to its name and PGM_DATABASE_SHARD"
          + " to its number. Stops at the first failure and exits with its code, unless -i.",
      "",
      "Examples: pgisolate wrap-each -- createdb",
      "          pgisolate wrap-each -i --xargs -- dropdb"
    })
final class WrapEachCommand implements Callable<Integer> {
  @Option(
      names = {"-i", "--ignore-exit-code"},
      description = "run CMD for every database even when it fails, and exit 0")
  boolean ignoreExitCode;

  @Option(
      names = {"-x", "--xarg", "--xargs"},
      description = "also pass the database name as CMD's last argument")
  boolean xarg;

  @Option(
      names = {"-v", "--verbose"},
      description = "stack traces on errors")
  boolean verbose;

  @Parameters(
      arity = "1..*",
      paramLabel = "CMD",
      description = "the command to run and its arguments (-- before it is optional)")
  List<String> command = new ArrayList<>();

  @Override
  public Integer call() {
    LeaseWrapEach each =
        LeaseWrapEach.fromEnvironment(LeaseOptions.environment(), command, ignoreExitCode, xarg);
    Thread stop = new Thread(each::stop, "pgisolate-wrap-each-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    try {
      return each.run();
    } finally {
      WrapCommand.removeHook(stop);
    }
  }
}
