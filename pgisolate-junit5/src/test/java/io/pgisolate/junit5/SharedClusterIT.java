package io.pgisolate.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;

/** The extension and the jdbc:pgisolate: driver of one JVM make their databases on one cluster. */
@PgIsolated(scripts = "db/junit/schema.sql")
class SharedClusterIT {

  @Test
  void theDriverUsesTheExtensionsCluster(PgDatabase database) throws Exception {
    try (Connection c =
        DriverManager.getConnection(
            "jdbc:pgisolate:///beside_the_extension?scripts=db/junit/schema.sql")) {
      assertThat(PgIsolatedIT.string(c, "select inet_server_port()::text"))
          .isEqualTo(String.valueOf(database.port()));
      assertThat(PgIsolatedIT.count(c, "select count(*) from note")).isEqualTo(1);
    }
  }
}
