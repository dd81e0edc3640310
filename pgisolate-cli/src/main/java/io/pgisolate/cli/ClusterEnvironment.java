package io.pgisolate.cli;

import io.pgisolate.cluster.TempCluster;
import java.io.PrintWriter;
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
  /** The variable with the serving process's pid, for the shell that evaluated its output. */
  static final String PID_VARIABLE = "PGISOLATE_PID";

  /**
   * How {@code temp} and {@code proxy} hand what they serve to a shell: stdout gets only what a
   * shell evaluates ({@code env} and {@link #PID_VARIABLE}) and is closed, so that {@code eval
   * "$(pgisolate temp &)"} returns; stderr says how to stop this process.
   */
  static void handToShell(PrintWriter out, PrintWriter err, Map<String, String> env) {
    long self = ProcessHandle.current().pid();
    Map<String, String> all = new LinkedHashMap<>(env);
    all.put(PID_VARIABLE, Long.toString(self));
    out.print(shellLines(all));
    out.close();
    err.println("Press Ctrl-C (or kill " + self + ") to stop.");
    err.flush();
  }

  /**
   * What a shell evaluates to point its clients at {@code env} alone: an unset line for the
   * misleading libpq variables, then an export line per variable.
   */
  private static String shellLines(Map<String, String> env) {
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
