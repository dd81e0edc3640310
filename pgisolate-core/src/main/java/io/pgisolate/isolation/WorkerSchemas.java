package io.pgisolate.isolation;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How TRANSACTION workers name their schemas, and the sweep that drops the schemas whose worker is
 * gone. A worker's schema is committed, so a worker that never ends (its JVM killed) leaves it
 * behind; its name says which backend owned it: {@code pgi_x_<runner>_<worker>_pid<backend pid>},
 * the runner part random per runner, as before the pid was added. A schema whose backend is no
 * longer in pg_stat_activity has no worker: nothing else works in a worker's schema.
 */
final class WorkerSchemas {
  // The runner logs what its workers do; the sweep is part of starting it.
  private static final Logger log = LoggerFactory.getLogger(TransactionRunner.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A worker schema's name; the group is the backend pid (a POSIX regex, as the server reads). */
  static final String PATTERN = "^pgi_x_[0-9a-f]{8}_[0-9]+_pid([0-9]+)$";

  private WorkerSchemas() {}

  /** The start of the names of one runner's schemas, random so that runners never share one. */
  static String runnerPrefix() {
    return String.format("pgi_x_%08x", RANDOM.nextInt(Integer.MAX_VALUE));
  }

  /** Worker {@code id}'s schema, created by the backend {@code pid}. */
  static String name(String runnerPrefix, int id, int pid) {
    return runnerPrefix + "_" + id + "_pid" + pid;
  }

  /**
   * Drops, on {@code c}, the worker schemas whose backend is gone; logs, rather than throws, a
   * schema it cannot drop (another user's, say), as the next sweep tries again. A pid the server
   * has given to a new backend since keeps its schema until a later sweep: the sweep never guesses
   * in the direction that would drop a live worker's schema.
   *
   * @return the schemas it dropped
   */
  static List<String> dropOrphans(Connection c) throws SQLException {
    List<String> orphans = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT n.nspname FROM pg_namespace n WHERE n.nspname ~ ? AND NOT EXISTS"
                + " (SELECT 1 FROM pg_stat_activity a"
                + " WHERE a.pid = substring(n.nspname FROM ?)::int) ORDER BY 1")) {
      ps.setString(1, PATTERN);
      ps.setString(2, PATTERN);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          orphans.add(rs.getString(1));
        }
      }
    }
    List<String> dropped = new ArrayList<>();
    try (Statement st = c.createStatement()) {
      for (String schema : orphans) {
        try {
          SourceSchemas.drop(st, schema);
          dropped.add(schema);
        } catch (SQLException e) {
          log.warn("Could not drop orphaned worker schema {}: {}", schema, e.getMessage());
        }
      }
    }
    if (!dropped.isEmpty()) {
      log.info("Dropped {} orphaned TRANSACTION worker schema(s): {}", dropped.size(), dropped);
    }
    return dropped;
  }
}
