package io.pgisolate.cli;

import io.pgisolate.PgIsolateException;
import io.pgisolate.lease.LeaseDatabases;
import io.pgisolate.lease.LeaseSettings;
import io.pgisolate.template.InitSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
      names = "--create",
      description =
          "create the pool databases at start (from --template or --template-sql when given), drop"
              + " them at exit")
  boolean create;

  @Option(
      names = "--reset",
      description =
          "make each released database again from --template (or --template-sql), in the"
              + " background, before it is leased again (and every database at start)")
  boolean reset;

  @Option(
      names = "--template",
      paramLabel = "DATABASE",
      description = "the database the pool databases are copies of (default: empty databases)")
  String template;

  @Option(
      names = "--template-sql",
      paramLabel = "FILE",
      description =
          "SQL file (or directory of *.sql, run in name order) that builds the template the pool"
              + " databases are copies of (repeatable); with --reset, an edit reaches every lease"
              + " asked for after it is saved")
  List<Path> templateSql = new ArrayList<>();

  @Option(
      names = "--server",
      paramLabel = "URI",
      description =
          "the PostgreSQL that holds the pool databases, for --create and --reset"
              + " (postgres://user:password@host:port/postgres)")
  String server;

  @Option(
      names = {"-v", "--verbose"},
      description = "log each lease and release; stack traces on errors")
  boolean verbose;

  /** Prefix and count from the environment, the socket from the options or the environment. */
  LeaseSettings settings(PgIsolateCommand parent, String subcommand) {
    if (socket != null && parent.socket().filter(before -> !before.equals(socket)).isPresent()) {
      throw new PgIsolateException(
          "-s/--socket names two sockets, "
              + parent.socket().get()
              + " before "
              + subcommand
              + " and "
              + socket
              + " after it. Hint: give it once.");
    }
    Optional<String> option = Optional.ofNullable(socket).or(() -> parent.socket());
    return LeaseSettings.fromEnvironment(System.getenv(), option, Path.of("").toAbsolutePath())
        .withBackend(Optional.ofNullable(backend))
        .withDatabases(databases());
  }

  private Optional<LeaseDatabases> databases() {
    if (!create && !reset) {
      if (template != null || !templateSql.isEmpty() || server != null) {
        throw new PgIsolateException(
            (template != null
                    ? "--template"
                    : !templateSql.isEmpty() ? "--template-sql" : "--server")
                + " has no effect without --create or --reset. Hint: add --create to make the"
                + " databases at start, --reset to make them again after each lease.");
      }
      return Optional.empty();
    }
    if (server == null) {
      throw new PgIsolateException(
          (create ? "--create" : "--reset")
              + " needs the server that holds the databases. Hint: add --server"
              + " postgres://user:password@host:5432/postgres.");
    }
    Optional<InitSource> schema =
        templateSql.isEmpty()
            ? Optional.empty()
            : Optional.of(InitSource.sql(templateSql.toArray(Path[]::new)));
    return Optional.of(
        new LeaseDatabases(server, Optional.ofNullable(template), schema, create, reset));
  }

  static Map<String, String> environment() {
    return System.getenv();
  }
}
