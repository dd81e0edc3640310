package io.pgisolate.isolation;

import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.PGConnection;
import org.postgresql.jdbc.AutoSave;

/**
 * The settings a test can change on its worker's connection that live in pgjdbc, not in the
 * session, so that no rollback undoes them: taken when the worker is ready, put back after every
 * test (no round trip). A test's network timeout would cut the next tests' statements; its autosave
 * would change how their failing statements end; the others change how they fetch and prepare.
 */
record ClientSettings(
    int networkTimeout,
    int holdability,
    AutoSave autosave,
    int prepareThreshold,
    int defaultFetchSize,
    boolean adaptiveFetch) {

  static ClientSettings of(Connection c) throws SQLException {
    PGConnection pg = c.unwrap(PGConnection.class);
    return new ClientSettings(
        c.getNetworkTimeout(),
        c.getHoldability(),
        pg.getAutosave(),
        pg.getPrepareThreshold(),
        pg.getDefaultFetchSize(),
        pg.getAdaptiveFetch());
  }

  /** Puts back on {@code c} the settings that differ from these. */
  void restoreOn(Connection c) throws SQLException {
    ClientSettings now = of(c);
    if (now.equals(this)) {
      return;
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
