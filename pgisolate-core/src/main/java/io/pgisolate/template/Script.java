package io.pgisolate.template;

import io.pgisolate.PgIsolateException;
import io.pgisolate.sql.Sql;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** One SQL script: where it came from and its text, run as one simple query. */
record Script(String name, String text) {

  void run(InitTarget target) {
    try (Statement st = target.connection().createStatement()) {
      st.execute(text);
    } catch (SQLException e) {
      throw new PgIsolateException(
          "init script " + name + " failed" + where(e) + ": " + message(e) + ".", e);
    }
  }

  private String where(SQLException e) {
    if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
      int position = p.getServerErrorMessage().getPosition();
      if (position > 0) {
        return " at " + Sql.lineAndColumn(text, position);
      }
    }
    return "";
  }

  private static String message(SQLException e) {
    if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
      ServerErrorMessage m = p.getServerErrorMessage();
      return m.getMessage() + (m.getHint() == null ? "" : ". Hint: " + m.getHint());
    }
    return e.getMessage().replaceAll("\\R\\s*", " ");
  }

  /** The fingerprint of a list of scripts: the source's identity, then each name and text. */
  static String fingerprint(String identity, java.util.List<Script> scripts) {
    return scripts.stream()
        .map(s -> s.name() + "\n" + s.text())
        .collect(java.util.stream.Collectors.joining("\n--\n", identity + "\n", ""));
  }
}
