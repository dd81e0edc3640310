package io.pgisolate.cli;

import io.pgisolate.lease.LeaseWrap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "wrap",
    mixinStandardHelpOptions = true,
    versionProvider = PgIsolateCommand.Version.class,
    description = {
      "Serve the pool (as serve does) for as long as CMD runs, with PGM_SOCKET and"
          + " PGMANAGER_SOCKET set for CMD. Exits with CMD's exit code.",
      "",
      "Example: PGM_DATABASE_PREFIX=myapp_test PGM_DATABASE_COUNT=16 pgisolate wrap -- mvn test"
    })
final class WrapCommand implements Callable<Integer> {
  @Mixin LeaseOptions options;
  @ParentCommand PgIsolateCommand parent;

  @Parameters(
      arity = "1..*",
      paramLabel = "CMD",
      description = "the command to run and its arguments (-- before it is optional)")
  List<String> command = new ArrayList<>();

  @Override
  public Integer call() {
    LeaseWrap wrap = new LeaseWrap(options.settings(parent, "wrap"), command);
    Thread stop = new Thread(wrap::stop, "pgisolate-wrap-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    try {
      return wrap.run();
    } finally {
      removeHook(stop);
    }
  }

  static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs anyway
    }
  }
}
