package io.pgisolate.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

@Command(
    name = "pgisolate",
    mixinStandardHelpOptions = true,
    versionProvider = PgIsolateCommand.Version.class,
    description = "An isolated, fast, real PostgreSQL for every test.",
    subcommands = {TempCommand.class, RunCommand.class, SqlCommand.class, ProxyCommand.class})
final class PgIsolateCommand {

  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "pgisolate " + BuildInfo.version(),
        "bundled PostgreSQL " + BuildInfo.bundledVersion() + " (zonky build)",
        "Java " + System.getProperty("java.version")
      };
    }
  }
}
