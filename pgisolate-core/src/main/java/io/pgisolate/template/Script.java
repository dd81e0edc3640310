package io.pgisolate.template;

import io.pgisolate.PgIsolateException;
import io.pgisolate.sql.ScriptError;
import io.pgisolate.sql.SqlStatements;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * One SQL script: where it came from and its text, run statement by statement in autocommit, as
 * psql runs it (VACUUM, CREATE INDEX CONCURRENTLY, an enum value used after the ALTER TYPE that
 * adds it: none works inside the one transaction a multi-statement query is).
 */
record Script(String name, String text) {

  void run(InitTarget target) {
    try (Statement st = target.connection().createStatement()) {
      for (SqlStatements.Statement statement : SqlStatements.split(text)) {
        try {
          st.execute(statement.sql());
        } catch (SQLException e) {
          throw new PgIsolateException(failure(statement, e), e);
        }
      }
    } catch (SQLException e) {
      throw new PgIsolateException(
          "init script " + name + " failed: " + e.getMessage().replaceAll("\\R\\s*", " ") + ".", e);
    }
  }

  private String failure(SqlStatements.Statement statement, SQLException e) {
    String what = "init script " + name;
    if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
      ServerErrorMessage m = p.getServerErrorMessage();
      return ScriptError.message(
          what,
          statement,
          Optional.of(m.getPosition()),
          m.getMessage(),
          Optional.ofNullable(m.getHint()));
    }
    return ScriptError.message(
        what,
        statement,
        Optional.empty(),
        e.getMessage().replaceAll("\\R\\s*", " "),
        Optional.empty());
  }

  /** The fingerprint of a list of scripts: the source's identity, then each name and text. */
  static String fingerprint(String identity, java.util.List<Script> scripts) {
    return scripts.stream()
        .map(s -> s.name() + "\n" + s.text())
        .collect(java.util.stream.Collectors.joining("\n--\n", identity + "\n", ""));
  }
}
