package io.pgisolate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.sql.ScriptError;
import io.pgisolate.sql.SqlStatements;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MessagesTest {
  @Test
  void errorPositionInAStatementBecomesLineAndColumnInTheScript() {
    String sql = "select 1;\nselect 'é'; select\n  selec 2;\n\\connect x\n";
    List<SqlStatements.Statement> statements = SqlStatements.split(sql);
    assertThat(message(statements.get(2), Optional.of(10), Optional.empty()))
        .isEqualTo("s failed at line 3, column 3: e.");
    assertThat(message(statements.get(1), Optional.empty(), Optional.of("h")))
        .isEqualTo("s failed at line 2, column 1: e. Hint: h.");
    assertThat(message(statements.get(3), Optional.of(1), Optional.empty()))
        .startsWith("s failed at line 4, column 1: e. Hint: psql meta-commands (\\connect, ");
    assertThat(message(statements.get(0), Optional.of(99), Optional.empty()))
        .isEqualTo("s failed at line 1, column 1: e.");
  }

  private static String message(
      SqlStatements.Statement statement, Optional<Integer> position, Optional<String> hint) {
    return ScriptError.message("s", statement, position, "e", hint);
  }

  @Test
  void configurationErrorsNameTheBadSetting() {
    String log =
        "LOG:  invalid value for parameter \"shared_buffers\": \"lots\"\n"
            + "FATAL:  configuration file \"/d/postgresql.conf\" contains errors\n";
    assertThat(ClusterStart.lastFatal(log))
        .isEqualTo(
            "invalid value for parameter \"shared_buffers\": \"lots\" (configuration file"
                + " \"/d/postgresql.conf\" contains errors)");
    assertThat(ClusterStart.lastFatal("2026 UTC [1] FATAL:  lock file exists\n"))
        .isEqualTo("lock file exists");
    assertThat(ClusterStart.lastFatal("something odd\n")).isEqualTo("something odd");
  }
}
