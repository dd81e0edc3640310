package io.pgisolate.isolation;

import io.pgisolate.sql.SqlStatements;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds statements that end or start a transaction (COMMIT, END, ROLLBACK, ABORT, BEGIN, START
 * TRANSACTION, PREPARE TRANSACTION) in SQL text, so that TRANSACTION isolation can refuse them
 * before they reach the server. Statements are split as the server's lexer does ({@link
 * SqlStatements}). Savepoint commands (SAVEPOINT, RELEASE, ROLLBACK TO) are allowed: they nest
 * inside the test's transaction.
 *
 * <p>In the same pass it notes whether the text changes the schema its queries see (CREATE, ALTER,
 * DROP, IMPORT, a DO block, which usually runs DDL, or a change of search_path): the
 * server-prepared statements pgjdbc keeps may no longer fit the tables then, nor once that change
 * is rolled back. DDL a function or procedure runs, and {@code set_config('search_path', …)}, are
 * not seen.
 */
final class TransactionControl {
  private TransactionControl() {}

  /**
   * What a handle learns from SQL text before it runs it.
   *
   * @param control the first statement that ends or starts a transaction (its leading words, upper
   *     case), or null when there is none
   * @param changesSchema whether a statement changes the schema
   */
  record Scan(String control, boolean changesSchema) {}

  private static final Scan NOTHING = new Scan(null, false);

  /** The first offending statement's leading words (upper case), or empty when there is none. */
  static Optional<String> find(String sql) {
    return Optional.ofNullable(scan(sql).control());
  }

  /** Scans {@code sql}: stops at the first statement that ends or starts a transaction. */
  static Scan scan(String sql) {
    boolean changesSchema = false;
    for (SqlStatements.Statement statement : SqlStatements.split(sql)) {
      List<String> words =
          statement.tokens(3).stream().map(SqlStatements.Token::word).collect(Collectors.toList());
      while (words.size() < 3) {
        words.add("");
      }
      String verdict = judge(words.get(0), words.get(1), words.get(2));
      if (verdict != null) {
        return new Scan(verdict, changesSchema);
      }
      changesSchema |= changesSchema(words.get(0), words.get(1), words.get(2));
    }
    return changesSchema ? new Scan(null, true) : NOTHING;
  }

  private static final Set<String> SCHEMA_CHANGES =
      Set.of("CREATE", "ALTER", "DROP", "IMPORT", "DO");

  /**
   * DDL, or SET [SESSION | LOCAL] search_path | SCHEMA, RESET search_path | ALL. pgjdbc forgets its
   * prepared statements after a SET of search_path, but not when a rollback puts it back, which a
   * server before PostgreSQL 18 does not report.
   */
  private static boolean changesSchema(String first, String second, String third) {
    String setting = second.equals("SESSION") || second.equals("LOCAL") ? third : second;
    return switch (first) {
      case "SET" -> setting.equals("SEARCH_PATH") || setting.equals("SCHEMA");
      case "RESET" -> second.equals("SEARCH_PATH") || second.equals("ALL");
      default -> SCHEMA_CHANGES.contains(first);
    };
  }

  private static String judge(String first, String second, String third) {
    switch (first) {
      case "COMMIT", "END", "ABORT", "BEGIN" -> {
        return first;
      }
      case "ROLLBACK" -> {
        // ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name is a savepoint command.
        boolean toSavepoint =
            second.equals("TO")
                || ((second.equals("WORK") || second.equals("TRANSACTION")) && third.equals("TO"));
        return toSavepoint ? null : "ROLLBACK";
      }
      case "START", "PREPARE" -> {
        return second.equals("TRANSACTION") ? first + " TRANSACTION" : null;
      }
      default -> {
        return null;
      }
    }
  }
}
