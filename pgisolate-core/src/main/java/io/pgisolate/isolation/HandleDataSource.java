package io.pgisolate.isolation;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/** Hands out handles on one test's transaction (TRANSACTION isolation); no new sessions. */
final class HandleDataSource implements DataSource {
  private final TransactionalConnection.Shared shared;

  HandleDataSource(TransactionalConnection.Shared shared) {
    this.shared = shared;
  }

  @Override
  public Connection getConnection() {
    return shared.handle();
  }

  @Override
  public Connection getConnection(String username, String password) {
    return shared.handle();
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {}

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws java.sql.SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new java.sql.SQLException("not a wrapper for " + iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }

  @Override
  public String toString() {
    return "pgisolate transactional DataSource on " + shared.name;
  }
}
