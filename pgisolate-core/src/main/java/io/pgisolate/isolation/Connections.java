package io.pgisolate.isolation;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Connections handed to one test, closed together after it. */
public final class Connections {
  private final List<Connection> open = new ArrayList<>();

  public synchronized Connection add(Connection c) {
    open.add(c);
    return c;
  }

  /** Closes them all; a connection the test closed or broke is skipped quietly. */
  public synchronized void closeAll() {
    for (Connection c : open) {
      closeQuietly(c);
    }
    open.clear();
  }

  static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException | RuntimeException e) {
      // the test may have closed or broken it: nothing to do
    }
  }
}
