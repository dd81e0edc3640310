package io.pgisolate.cli;

import io.pgisolate.lease.LeaseSettings;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The options serve and wrap share with pgmanager. {@code -s} is also accepted before the
 * subcommand ({@code pgisolate -s x.sock serve}), where pgmanager takes it.
 */
final class LeaseOptions {
  @Option(
      names = {"-s", "--socket"},
      paramLabel = "PATH",
      description =
          "UNIX socket of the lease server (default: $PGM_SOCKET, else $PGMANAGER_SOCKET, else"
              + " tmp/pgmanager.sock in the working directory)")
  String socket;

  @Option(
      names = "--backend",
      paramLabel = "URI",
      description =
          "share the pool with the lease servers of other machines through advisory locks on"
              + " this PostgreSQL (postgres://user:password@host:port/database)")
  String backend;

  @Option(
      names = {"-v", "--verbose"},
      description = "log each lease and release; stack traces on errors")
  boolean verbose;

  /** Prefix and count from the environment, the socket from the options or the environment. */
  LeaseSettings settings(PgIsolateCommand parent) {
    Optional<String> option = Optional.ofNullable(socket).or(() -> parent.socket());
    return LeaseSettings.fromEnvironment(System.getenv(), option, Path.of("").toAbsolutePath())
        .withBackend(Optional.ofNullable(backend));
  }

  static Map<String, String> environment() {
    return System.getenv();
  }
}
