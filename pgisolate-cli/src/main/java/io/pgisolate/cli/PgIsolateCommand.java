package io.pgisolate.cli;

import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;

@Command(
    name = "pgisolate",
    mixinStandardHelpOptions = true,
    versionProvider = PgIsolateCommand.Version.class,
    description = "An isolated, fast, real PostgreSQL for every test.",
    subcommands = {
      TempCommand.class,
      RunCommand.class,
      SqlCommand.class,
      ServeCommand.class,
      WrapCommand.class,
      WrapEachCommand.class,
      ProxyCommand.class
    })
final class PgIsolateCommand {
  // pgmanager takes these before its subcommand: 'pgmanager -s x.sock wrap -- …'.
  @Option(
      names = {"-s", "--socket"},
      paramLabel = "PATH",
      description = "lease server socket, for serve and wrap (also accepted after them)")
  String socket;

  @Option(
      names = {"-v", "--verbose"},
      description = "debug logging and stack traces on errors")
  boolean verbose;

  Optional<String> socket() {
    return Optional.ofNullable(socket);
  }

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
