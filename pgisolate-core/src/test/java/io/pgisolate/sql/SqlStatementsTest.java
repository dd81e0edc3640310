package io.pgisolate.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.sql.SqlStatements.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlStatementsTest {

  private static List<String> split(String sql) {
    return SqlStatements.split(sql).stream().map(Statement::sql).toList();
  }

  @Test
  void splitsAtTopLevelSemicolonsOnly() {
    assertThat(split("select 1; select ';' ; select $$;$$; select $a$ ; $a$; select \"x;y\""))
        .containsExactly(
            "select 1", "select ';'", "select $$;$$", "select $a$ ; $a$", "select \"x;y\"");
    assertThat(split("select E'\\';'; select 2")).containsExactly("select E'\\';'", "select 2");
    assertThat(split("select 1 -- a; b\n; select /* ; /* ; */ ; */ 2"))
        .containsExactly("select 1", "select /* ; /* ; */ ; */ 2");
  }

  @Test
  void dropsStatementsOfOnlyBlanksAndComments() {
    assertThat(split("  ;  ; -- nothing\n /* here */ ;")).isEmpty();
    assertThat(split(";;select 42;;")).containsExactly("select 42");
  }

  @Test
  void keepsStandardFunctionBodiesWhole() {
    String body =
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true"
            + " THEN 2 END; END";
    assertThat(split(body + "; select 3")).containsExactly(body, "select 3");
  }

  @Test
  void semicolonsInParenthesesDoNotEndAStatement() {
    // CREATE RULE's action list, as psql's lexer keeps it whole
    String rule =
        "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); DELETE FROM b)";
    assertThat(split(rule + "; select ')'; select 2"))
        .containsExactly(rule, "select ')'", "select 2");
  }

  @Test
  void positionsPointIntoTheOriginalText() {
    String sql = "select 1;\n  begin ; commit";
    List<Statement> statements = SqlStatements.split(sql);
    assertThat(statements).extracting(Statement::start).containsExactly(0, 12, 20);
    assertThat(statements.get(1).tokens(3))
        .extracting(SqlStatements.Token::word)
        .containsExactly("BEGIN");
  }

  @Test
  void tokensKnowIdentifiersAndStrings() {
    List<SqlStatements.Token> tokens =
        SqlStatements.split("ROLLBACK TEST 'it''s' \"Quoted\" plain").get(0).tokens(5);
    assertThat(tokens.get(2).stringValue()).isEqualTo("it's");
    assertThat(tokens.get(3).identifier()).isEqualTo("Quoted");
    assertThat(tokens.get(4).identifier()).isEqualTo("plain");
    assertThat(tokens.get(0).stringValue()).isNull();
  }
}
