package io.pgisolate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class TempClusterIT {

  @Test
  void startsQueriesAndCleansUp() throws Exception {
    TempCluster pg = TempCluster.builder().start();
    try (pg;
        Connection c = DriverManager.getConnection(pg.jdbcUrl());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("show fsync")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("off");
    }
    assertThat(pg.dataDirectory()).doesNotExist();
    assertThat(ProcessHandle.of(pg.pid())).isEmpty();
  }
}
