package io.pgisolate.cli;

import io.pgisolate.cluster.TempCluster;
import java.util.LinkedHashMap;
import java.util.Map;

/** The environment variables that point a program at a cluster (libpq's and the usual URLs). */
final class ClusterEnvironment {
  private ClusterEnvironment() {}

  static Map<String, String> of(TempCluster cluster) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("DATABASE_URL", cluster.uri());
    if (!cluster.isSocketOnly()) {
      env.put("JDBC_DATABASE_URL", cluster.jdbcUrl());
    }
    env.put("PGHOST", cluster.host());
    env.put("PGPORT", Integer.toString(cluster.port()));
    env.put("PGUSER", cluster.user());
    if (!cluster.isSocketOnly()) {
      env.put("PGPASSWORD", cluster.password());
    }
    env.put("PGDATABASE", cluster.database());
    return env;
  }

  /** {@code export NAME='value'} lines for a POSIX shell. */
  static String exports(TempCluster cluster) {
    StringBuilder out = new StringBuilder();
    of(cluster)
        .forEach(
            (name, value) ->
                out.append("export ")
                    .append(name)
                    .append("='")
                    .append(value.replace("'", "'\\''"))
                    .append("'\n"));
    return out.toString();
  }
}
