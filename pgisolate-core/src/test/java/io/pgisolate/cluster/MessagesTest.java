package io.pgisolate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.wire.ServerError;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessagesTest {
  @Test
  void errorPositionBecomesLineAndColumn() {
    String sql = "select 1;\nselect é;\n  selec 2;";
    int position = sql.indexOf("selec 2") + 1;
    ServerError error = new ServerError(Map.of('P', Integer.toString(position), 'M', "x"));
    assertThat(InitSql.where(sql, error)).isEqualTo(" at line 3, column 3");
    assertThat(InitSql.where(sql, new ServerError(Map.of()))).isEmpty();
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
