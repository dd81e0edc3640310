package io.pgisolate.isolation;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import org.postgresql.PGConnection;
import org.postgresql.jdbc.AutoSave;

/**
 * The settings a test can change on its worker's connection that live in pgjdbc, not in the
 * session, so that no rollback undoes them: taken when the worker is ready, put back after every
 * test (no round trip). A test's network timeout would cut the next tests' statements; its autosave
 * would change how their failing statements end; its type map how they read values; the others
 * change how they fetch and prepare.
 */
record ClientSettings(
    int networkTimeout,
    int holdability,
    AutoSave autosave,
    int prepareThreshold,
    int defaultFetchSize,
    boolean adaptiveFetch,
    Map<String, Class<?>> typeMap) {

  static ClientSettings of(Connection c) throws SQLException {
    PGConnection pg = c.unwrap(PGConnection.class);
    return new ClientSettings(
        c.getNetworkTimeout(),
        c.getHoldability(),
        pg.getAutosave(),
        pg.getPrepareThreshold(),
        pg.getDefaultFetchSize(),
        pg.getAdaptiveFetch(),
        c.getTypeMap());
  }

  /** As {@link #of}, taken to be put back: the type map copied (a test may change it in place). */
  static ClientSettings initial(Connection c) throws SQLException {
    ClientSettings now = of(c);
    return new ClientSettings(
        now.networkTimeout,
        now.holdability,
        now.autosave,
        now.prepareThreshold,
        now.defaultFetchSize,
        now.adaptiveFetch,
        Map.copyOf(now.typeMap));
  }

  /** Puts back on {@code c} the settings that differ from these. */
  void restoreOn(Connection c) throws SQLException {
    ClientSettings now = of(c);
    if (now.equals(this)) {
      return;
    }
    if (!now.typeMap.equals(typeMap)) {
      c.setTypeMap(new HashMap<>(typeMap));
    }
    PGConnection pg = c.unwrap(PGConnection.class);
    if (now.networkTimeout != networkTimeout) {
      c.setNetworkTimeout(Runnable::run, networkTimeout);
    }
    if (now.holdability != holdability) {
      c.setHoldability(holdability);
    }
    pg.setAutosave(autosave);
    pg.setPrepareThreshold(prepareThreshold);
    pg.setDefaultFetchSize(defaultFetchSize);
    pg.setAdaptiveFetch(adaptiveFetch);
  }
}
