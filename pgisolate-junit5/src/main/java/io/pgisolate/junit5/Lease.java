package io.pgisolate.junit5;

import io.pgisolate.template.Clone;
import io.pgisolate.template.ClonePool;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** A test's database and the connections injected into it, ended together after the test. */
final class Lease {
  final Clone clone;
  final PgDatabase database;
  private final ClonePool pool;
  private final ExtensionSettings settings;
  private final List<Connection> connections = new ArrayList<>();

  Lease(ClonePool pool, Clone clone, ExtensionSettings settings) {
    this.pool = pool;
    this.clone = clone;
    this.settings = settings;
    this.database = new PgDatabase(clone.server(), clone.name());
  }

  synchronized Connection newConnection() {
    Connection c = clone.connect();
    connections.add(c);
    return c;
  }

  /**
   * Closes the injected connections, then drops the database in the background, hands it to the
   * next test (read-only tests) or keeps it (failed tests with keepOnFailure).
   *
   * @return the kept database, when it was kept
   */
  synchronized java.util.Optional<PgDatabase> end(boolean failed, String testName) {
    for (Connection c : connections) {
      try {
        c.close();
      } catch (SQLException e) {
        // the test may have closed or broken it: nothing to do
      }
    }
    connections.clear();
    if (failed && settings.keepOnFailure()) {
      pool.keep(clone, testName);
      return java.util.Optional.of(database);
    }
    if (settings.readOnly() && !failed) {
      pool.recycle(clone);
    } else {
      pool.release(clone);
    }
    return java.util.Optional.empty();
  }
}
