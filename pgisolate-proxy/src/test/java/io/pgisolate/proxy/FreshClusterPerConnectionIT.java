package io.pgisolate.proxy;

import static io.pgisolate.proxy.FreshDatabaseBackendIT.awaitTrue;
import static io.pgisolate.proxy.FreshDatabaseBackendIT.scalar;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.cluster.TempCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole temporary cluster per connection (pgtemp's behaviour), through the proxy. */
class FreshClusterPerConnectionIT {

  @Test
  void eachConnectionHasItsOwnClusterStoppedWhenItLeaves(@TempDir Path dir) throws Exception {
    Path schema = dir.resolve("schema.sql");
    Files.writeString(
        schema, "CREATE TABLE greeting (text text); INSERT INTO greeting VALUES ('hi');");
    try (ClusterPerConnectionBackend clusters =
            new ClusterPerConnectionBackend(
                () -> TempCluster.builder().socketOnly().initScript(schema).start());
        ProxyServer proxy = ProxyServer.builder().backendSelector(clusters).start()) {
      String url = "jdbc:postgresql://" + proxy.host() + ":" + proxy.port() + "/any";
      try (Connection a = DriverManager.getConnection(url, "anyone", "");
          Connection b = DriverManager.getConnection(url, "anyone", "")) {
        String dataA = scalar(a, "SHOW data_directory");
        assertThat(dataA).isNotEqualTo(scalar(b, "SHOW data_directory"));
        assertThat(scalar(a, "SELECT text FROM greeting")).isEqualTo("hi");
        a.createStatement().execute("CREATE TABLE only_in_a (id int)");
        assertThat(scalar(b, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"))
            .isEqualTo("0");
        assertThat(clusters.runningClusters()).isEqualTo(2);
        a.close();
        awaitTrue(
            () -> clusters.runningClusters() == 1 && !Files.exists(Path.of(dataA)),
            "the first connection's cluster stopped and removed");
      }
      awaitTrue(() -> clusters.runningClusters() == 0, "every cluster stopped");
    }
  }
}
