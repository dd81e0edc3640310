package io.pgisolate.lease;

import io.pgisolate.PgIsolateException;
import io.pgisolate.sql.PgServer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares a pool among lease servers on several machines through one PostgreSQL server: database
 * {@code n} is this server's while it holds the session advisory lock ({@code
 * pg_try_advisory_lock(key, n)}, key a hash of the prefix) on a connection of its own. PostgreSQL
 * drops session locks when the session ends, so a server that crashes or loses its network gives
 * its databases back by itself (see "Advisory Locks", section 13.3.5 of the PostgreSQL manual).
 *
 * <p>Limits: a lock taken by another server is noticed free only at the next retry (every {@link
 * #retryInterval()}); the lock calls run on the lease server's thread, so each hand-out costs a
 * round trip to the shared server. The sessions that hold locks are exempt from the server's idle
 * timeouts, but a restart or {@code pg_terminate_backend} still ends them: every {@link
 * #RECHECK_INTERVAL} the gate looks for ended ones and locks their databases again from a new
 * session. Until then another server may take such a database; if one did, the error log says which
 * database is leased twice.
 */
public final class AdvisoryLockGate implements LeaseGate {
  private static final Logger LOG = LoggerFactory.getLogger(AdvisoryLockGate.class);

  /** How often the sessions holding locks are checked for ended ones. */
  static final Duration RECHECK_INTERVAL = Duration.ofSeconds(1);

  private final String url;
  private final Properties properties;
  private final String prefix;
  private final int key;
  private final Duration retryInterval;
  // Only used by the pool, under its lock.
  private final Map<Integer, Connection> held = new HashMap<>();
  private final ArrayDeque<Connection> idle = new ArrayDeque<>();
  // Databases whose lock another server took after our session ended: reported once.
  private final Set<Integer> lost = new HashSet<>();

  private AdvisoryLockGate(
      String url, Properties properties, String prefix, Duration retryInterval) {
    this.url = url;
    this.prefix = prefix;
    this.properties = properties;
    this.key = key(prefix);
    this.retryInterval = retryInterval;
  }

  /**
   * A gate on the server at {@code backend} (a {@code postgres://} URI or a {@code
   * jdbc:postgresql://} URL) for the pool {@code prefix}. Connects once to check it works.
   */
  public static AdvisoryLockGate connect(String backend, String prefix, Duration retryInterval) {
    Properties properties = new Properties();
    String url = ServerUrl.jdbcUrl(backend, "--backend", properties);
    AdvisoryLockGate gate = new AdvisoryLockGate(url, properties, prefix, retryInterval);
    try {
      gate.idle.push(gate.open());
    } catch (SQLException e) {
      throw new PgIsolateException(
          "cannot reach the lease backend "
              + PgServer.redacted(backend)
              + ": "
              + io.pgisolate.os.Text.sentence(e.getMessage())
              + " Hint: check --backend (postgres://user:password@host:port/database).",
          e);
    }
    return gate;
  }

  /** The first advisory lock key of a pool: every server of the pool must agree on it. */
  static int key(String prefix) {
    CRC32 crc = new CRC32();
    crc.update(("pgisolate-lease:" + prefix).getBytes(StandardCharsets.UTF_8));
    return (int) crc.getValue();
  }

  @Override
  public boolean tryTake(int index) {
    Connection connection = null;
    try {
      connection = idle.isEmpty() ? open() : idle.pop();
      if (lock(connection, "pg_try_advisory_lock", index)) {
        held.put(index, connection);
        return true;
      }
      idle.push(connection);
      return false;
    } catch (SQLException e) {
      LOG.warn("lease backend: could not lock database {}: {}", index, e.getMessage());
      closeQuietly(connection);
      return false;
    }
  }

  @Override
  public void give(int index) {
    lost.remove(index);
    Connection connection = held.remove(index);
    if (connection == null) {
      return;
    }
    try {
      lock(connection, "pg_advisory_unlock", index);
      idle.push(connection);
    } catch (SQLException e) {
      // Closing the session releases its locks just as well.
      closeQuietly(connection);
    }
  }

  @Override
  public Duration retryInterval() {
    return retryInterval;
  }

  @Override
  public Optional<Duration> recheckInterval() {
    return Optional.of(RECHECK_INTERVAL);
  }

  @Override
  public void recheck() {
    for (Map.Entry<Integer, Connection> entry : held.entrySet()) {
      if (!lost.contains(entry.getKey()) && isValid(entry.getValue())) {
        continue;
      }
      int index = entry.getKey();
      Connection connection;
      try {
        connection = open();
      } catch (SQLException e) {
        // Down or unreachable: the others would fail alike (each a wait on the server's thread).
        LOG.warn(
            "lease backend: the session holding the lock of {} ended, and the backend"
                + " cannot be reached to lock it again yet: {}",
            prefix + index,
            e.getMessage());
        return;
      }
      try {
        if (lock(connection, "pg_try_advisory_lock", index)) {
          closeQuietly(entry.getValue());
          entry.setValue(connection);
          LOG.warn(
              "lease backend: the session holding the lock of {} ended (a restart,"
                  + " pg_terminate_backend?); locked it again",
              prefix + index);
          lost.remove(index);
        } else {
          closeQuietly(connection);
          if (lost.add(index)) {
            LOG.error(
                "lease backend: the session holding the lock of {} ended while it was"
                    + " leased here, and another lease server has taken it since: two clients now"
                    + " use it. Hint: keep the backend's sessions up (no pg_terminate_backend, no"
                    + " restarts) while lease servers run.",
                prefix + index);
          }
        }
      } catch (SQLException e) {
        closeQuietly(connection);
        LOG.warn(
            "lease backend: the session holding the lock of {} ended, and it cannot be"
                + " locked again yet: {}",
            prefix + index,
            e.getMessage());
      }
    }
  }

  private static boolean isValid(Connection connection) {
    try {
      return connection.isValid(1);
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public void close() {
    lost.clear();
    held.values().forEach(AdvisoryLockGate::closeQuietly);
    held.clear();
    idle.forEach(AdvisoryLockGate::closeQuietly);
    idle.clear();
  }

  private Connection open() throws SQLException {
    Connection connection = DriverManager.getConnection(url, properties);
    try {
      PgServer.prepareLongLivedSession(connection); // it idles while its lock guards a lease
    } catch (SQLException e) {
      closeQuietly(connection);
      throw e;
    }
    return connection;
  }

  private boolean lock(Connection connection, String function, int index) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("select " + function + "(?, ?)")) {
      statement.setInt(1, key);
      statement.setInt(2, index);
      try (ResultSet rs = statement.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  private static void closeQuietly(Connection connection) {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException e) {
      // gone already: its locks with it
    }
  }
}
