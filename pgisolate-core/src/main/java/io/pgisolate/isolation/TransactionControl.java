package io.pgisolate.isolation;

import io.pgisolate.sql.SqlStatements;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Finds statements that end or start a transaction (COMMIT, END, ROLLBACK, ABORT, BEGIN, START
 * TRANSACTION, PREPARE TRANSACTION) in SQL text, so that TRANSACTION isolation can refuse them
 * before they reach the server. Statements are split as the server's lexer does ({@link
 * SqlStatements}). Savepoint commands (SAVEPOINT, RELEASE, ROLLBACK TO) are allowed: they nest
 * inside the test's transaction.
 */
final class TransactionControl {
  private TransactionControl() {}

  /** The first offending statement's leading words (upper case), or empty when there is none. */
  static Optional<String> find(String sql) {
    for (SqlStatements.Statement statement : SqlStatements.split(sql)) {
      List<String> words =
          statement.tokens(3).stream().map(SqlStatements.Token::word).collect(Collectors.toList());
      while (words.size() < 3) {
        words.add("");
      }
      String verdict = judge(words.get(0), words.get(1), words.get(2));
      if (verdict != null) {
        return Optional.of(verdict);
      }
    }
    return Optional.empty();
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
