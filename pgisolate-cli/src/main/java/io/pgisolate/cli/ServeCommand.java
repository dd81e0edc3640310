package io.pgisolate.cli;

import io.pgisolate.lease.LeaseServe;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    versionProvider = PgIsolateCommand.Version.class,
    description = {
      "Serve a pool of databases on a UNIX socket, as pgmanager does: each client that connects"
          + " is sent OK:<name> and holds that database until it disconnects. Runs until"
          + " Ctrl-C or SIGTERM, then prints peak usage and total wait time.",
      "",
      "Environment: PGM_DATABASE_PREFIX (required), PGM_DATABASE_COUNT (default 8).",
      "Example: PGM_DATABASE_PREFIX=myapp_test pgisolate serve -s /tmp/pgm.sock"
    })
final class ServeCommand implements Callable<Integer> {
  @Mixin LeaseOptions options;
  @ParentCommand PgIsolateCommand parent;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    LeaseServe serve = new LeaseServe(options.settings(parent, "serve"), err);
    Thread stop = new Thread(serve::stop, "pgisolate-serve-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    return serve.run();
  }
}
