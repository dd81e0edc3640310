package io.pgisolate.cli;

import io.pgisolate.PgIsolateException;
import io.pgisolate.sql.PgServer;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** A small SQL runner for machines without psql: pgisolate run -- pgisolate sql 'select 1'. */
@Command(
    name = "sql",
    mixinStandardHelpOptions = true,
    versionProvider = PgIsolateCommand.Version.class,
    description = {
      "Run SQL statements against $JDBC_DATABASE_URL (as set by 'pgisolate run') and print the"
          + " results, for machines without psql."
    })
final class SqlCommand implements Callable<Integer> {
  @Option(names = "--url", description = "JDBC URL (default: $JDBC_DATABASE_URL)")
  String url;

  @Parameters(arity = "1..*", paramLabel = "SQL", description = "statements, run in order")
  List<String> statements = new ArrayList<>();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws SQLException {
    if (url != null && url.isBlank()) {
      throw new PgIsolateException(
          "--url is empty. Hint: give a JDBC URL,"
              + " jdbc:postgresql://host:port/database?user=NAME&password=SECRET, or leave it out"
              + " for $JDBC_DATABASE_URL.");
    }
    String target = url != null ? url : System.getenv("JDBC_DATABASE_URL");
    if (target == null || target.isBlank()) {
      throw new PgIsolateException(
          "no database to connect to: JDBC_DATABASE_URL is not set. Hint: run it under"
              + " 'pgisolate run -- pgisolate sql …', or pass --url.");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (Connection connection = connect(target);
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        try {
          printResults(statement, statement.execute(sql), out);
        } catch (SQLException e) {
          throw new PgIsolateException(
              "statement failed: "
                  + e.getMessage().replaceAll("\\R\\s*", " ")
                  + ". Hint: check the SQL: "
                  + sql,
              e);
        }
      }
    }
    out.flush();
    return 0;
  }

  private static Connection connect(String url) {
    String shown = PgServer.redacted(url);
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new PgIsolateException(
          "cannot connect to "
              + shown
              + ": it is not a JDBC URL. Hint: --url takes"
              + " jdbc:postgresql://host:port/database?user=NAME&password=SECRET.");
    }
    try {
      return DriverManager.getConnection(url);
    } catch (SQLException e) {
      String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip();
      throw new PgIsolateException(
          "cannot connect to "
              + shown
              + ": "
              + why.replaceAll("\\.+$", "")
              + ". Hint: check that the server runs, and the URL's host, port, user and password.",
          e);
    }
  }

  /** Every result of one SQL string, which may hold several statements ("a; b"), in order. */
  private static void printResults(Statement statement, boolean isResultSet, PrintWriter out)
      throws SQLException {
    for (boolean rows = isResultSet; ; rows = statement.getMoreResults()) {
      if (rows) {
        try (ResultSet rs = statement.getResultSet()) {
          print(rs, out);
        }
      } else if (statement.getUpdateCount() != -1) {
        out.println("OK, " + statement.getUpdateCount() + " rows affected");
      } else {
        return;
      }
    }
  }

  private static void print(ResultSet rs, PrintWriter out) throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    int columns = meta.getColumnCount();
    List<String> header = new ArrayList<>();
    for (int i = 1; i <= columns; i++) {
      header.add(meta.getColumnLabel(i));
    }
    out.println(String.join(" | ", header));
    int rows = 0;
    while (rs.next()) {
      List<String> row = new ArrayList<>();
      for (int i = 1; i <= columns; i++) {
        String value = rs.getString(i);
        row.add(value == null ? "" : value);
      }
      out.println(String.join(" | ", row));
      rows++;
    }
    out.println("(" + rows + (rows == 1 ? " row)" : " rows)"));
  }
}
