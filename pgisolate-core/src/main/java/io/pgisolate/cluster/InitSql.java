package io.pgisolate.cluster;

import io.pgisolate.PgIsolateException;
import io.pgisolate.binaries.PgBinaries;
import io.pgisolate.os.Commands;
import io.pgisolate.os.Programs;
import io.pgisolate.os.Text;
import io.pgisolate.sql.ScriptError;
import io.pgisolate.sql.Sql;
import io.pgisolate.sql.SqlStatements;
import io.pgisolate.wire.AdminConnection;
import io.pgisolate.wire.ServerError;
import io.pgisolate.wire.ServerErrorException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** What a new cluster's database is given at start: extensions, SQL scripts, a dump. */
final class InitSql {
  private InitSql() {}

  static void createExtensions(AdminConnection db, List<String> extensions) throws IOException {
    for (String extension : extensions) {
      try {
        db.query("CREATE EXTENSION IF NOT EXISTS " + Sql.identifier(extension) + " CASCADE");
      } catch (ServerErrorException e) {
        throw new PgIsolateException(
            "extension '"
                + extension
                + "' could not be created: "
                + e.error().message()
                + ". Hint: check its name and that these binaries ship it (zonky builds carry"
                + " only the contrib extensions).",
            e);
      }
    }
  }

  /** Runs a script statement by statement, as psql runs it (see {@link ScriptError}). */
  static void runScript(AdminConnection db, Path script) throws IOException {
    String sql;
    try {
      sql = Text.utf8(Files.readAllBytes(script), "init script " + script);
    } catch (IOException e) {
      throw new PgIsolateException(
          "init script " + script + " cannot be read: " + e.getMessage() + ".", e);
    }
    for (SqlStatements.Statement statement : SqlStatements.split(sql)) {
      try {
        db.query(statement.sql());
      } catch (ServerErrorException e) {
        ServerError error = e.error();
        throw new PgIsolateException(
            ScriptError.message(
                "init script " + script,
                statement,
                error.position(),
                error.message(),
                error.hint()),
            e);
      }
    }
  }

  /**
   * Restores a pg_dump file: an archive (custom format) with pg_restore, plain SQL with psql, both
   * over the cluster's UNIX socket, with the first error stopping the restore.
   */
  static void restoreDump(
      Path dump,
      PgBinaries binaries,
      Path socketDir,
      int port,
      String user,
      String database,
      Duration timeout) {
    boolean archive = isArchive(dump);
    String tool = archive ? "pg_restore" : "psql";
    Path program =
        binaries
            .tool(tool)
            .or(() -> Programs.onPath(tool))
            .orElseThrow(
                () ->
                    new PgIsolateException(
                        "cannot restore "
                            + dump
                            + ": "
                            + tool
                            + " was not found next to "
                            + binaries.postgres()
                            + " nor on the PATH. Hint: install the PostgreSQL client programs"
                            + " (Debian: postgresql-client)."));
    List<String> command = new ArrayList<>();
    command.add(program.toString());
    command.addAll(
        List.of("-h", socketDir.toString(), "-p", "" + port, "-U", user, "-d", database));
    if (archive) {
      command.addAll(List.of("--exit-on-error", "--no-owner", dump.toString()));
    } else {
      command.addAll(List.of("-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", dump.toString()));
    }
    Commands.Result result = Commands.run(command, timeout, null);
    if (result.exitCode() != 0) {
      throw new PgIsolateException(
          "restoring "
              + dump
              + " failed (exit "
              + result.exitCode()
              + "): "
              + Text.errorLine(result.output()).replaceAll("\\.+$", "")
              + ". Hint: is it a pg_dump file of a compatible version?");
    }
  }

  private static boolean isArchive(Path dump) {
    try (InputStream in = Files.newInputStream(dump)) {
      return Arrays.equals(in.readNBytes(5), "PGDMP".getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new PgIsolateException("dump " + dump + " cannot be read: " + e.getMessage() + ".", e);
    }
  }
}
