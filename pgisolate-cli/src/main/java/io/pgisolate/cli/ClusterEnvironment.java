package io.pgisolate.cli;

import io.pgisolate.cluster.TempCluster;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The environment variables that point a program at a cluster (libpq's and the usual URLs). */
final class ClusterEnvironment {
  /**
   * libpq variables a developer's shell may hold for their usual server, which would take a client
   * elsewhere (PGHOSTADDR wins over PGHOST) or refuse the cluster (PGSSLMODE=require: it has no
   * TLS). libpq's connection variables: https://www.postgresql.org/docs/current/libpq-envars.html
   */
  private static final List<String> MISLEADING =
      List.of(
          "PGHOSTADDR",
          "PGSERVICE",
          "PGSSLMODE",
          "PGREQUIRESSL",
          "PGSSLNEGOTIATION",
          "PGGSSENCMODE",
          "PGREQUIREAUTH",
          "PGCHANNELBINDING",
          "PGTARGETSESSIONATTRS",
          "PGLOADBALANCEHOSTS");

  private ClusterEnvironment() {}

  /** For a child process: {@link #of}, and null (unset) for the variables that would mislead it. */
  static Map<String, String> forChild(TempCluster cluster) {
    Map<String, String> env = new LinkedHashMap<>();
    MISLEADING.forEach(name -> env.put(name, null));
    env.putAll(of(cluster));
    return env;
  }

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

  /**
   * What a POSIX shell evaluates to point its clients at {@code cluster}: one {@code unset} line
   * for the variables that would mislead them, then {@code export NAME='value'} lines, then {@code
   * extra} exported as well.
   */
  static String shellLines(TempCluster cluster, Map<String, String> extra) {
    Map<String, String> env = of(cluster);
    env.putAll(extra);
    return shellLines(env);
  }

  /**
   * What a shell evaluates to point its clients at {@code env} alone: an unset line for the
   * misleading libpq variables, then an export line per variable.
   */
  static String shellLines(Map<String, String> env) {
    StringBuilder out = new StringBuilder("unset ").append(String.join(" ", MISLEADING));
    out.append('\n');
    env.forEach(
        (name, value) ->
            out.append("export ")
                .append(name)
                .append("='")
                .append(value.replace("'", "'\\''"))
                .append("'\n"));
    return out.toString();
  }
}
