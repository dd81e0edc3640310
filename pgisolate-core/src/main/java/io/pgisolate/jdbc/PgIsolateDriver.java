package io.pgisolate.jdbc;

import io.pgisolate.template.Clone;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * A JDBC driver for {@code jdbc:pgisolate:} URLs: put one where a JDBC URL goes ({@code
 * spring.datasource.url}, a pool's configuration) and the database is made on first connect, from a
 * template built once per schema, on this JVM's temporary cluster (or the server at {@code
 * pgisolate.url} / {@code PGISOLATE_URL}); pgjdbc then connects to it. Every connection with the
 * same database name reaches the same database.
 *
 * <pre>
 * jdbc:pgisolate:///shop?scripts=db/schema.sql
 * jdbc:pgisolate:///shop?flyway=true&amp;ApplicationName=shop-tests
 * jdbc:pgisolate:///shop?migrations=classpath:db/migration,classpath:db/test-data&amp;version=17
 * jdbc:pgisolate:///shop?liquibase=db/changelog.xml
 * </pre>
 *
 * <p>See {@link DriverUrl} for the grammar. Connections go as the server's user unless the URL or
 * the properties name another {@code user}.
 */
public final class PgIsolateDriver implements Driver {
  private static final Driver PGJDBC = new org.postgresql.Driver();

  static {
    try {
      DriverManager.registerDriver(new PgIsolateDriver());
    } catch (SQLException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @Override
  public Connection connect(String url, Properties info) throws SQLException {
    if (!acceptsURL(url)) {
      return null; // JDBC: another driver's URL
    }
    DriverUrl parsed = DriverUrl.parse(url);
    Clone database = UrlDatabases.of(parsed);
    Properties props = new Properties();
    if (info != null) {
      props.putAll(info);
    }
    parsed.pgjdbc().forEach(props::setProperty); // the URL's win, as in pgjdbc
    if (props.getProperty("user") == null) {
      props.setProperty("user", database.server().user());
    }
    if (props.getProperty("user").equals(database.server().user())
        && props.getProperty("password") == null
        && !database.server().password().isEmpty()) {
      props.setProperty("password", database.server().password());
    }
    return PGJDBC.connect(database.server().bareJdbcUrl(database.name()), props);
  }

  @Override
  public boolean acceptsURL(String url) {
    return DriverUrl.accepts(url);
  }

  @Override
  public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
    return new DriverPropertyInfo[] {
      property(
          DriverUrl.SCRIPTS, "SQL scripts (classpath resources or file: paths), comma-separated"),
      property(DriverUrl.MIGRATIONS, "Flyway locations, comma-separated; implies flyway=true"),
      property(DriverUrl.FLYWAY, "run the Flyway migrations at classpath:db/migration"),
      property(DriverUrl.LIQUIBASE, "a Liquibase changelog"),
      property(DriverUrl.VERSION, "the PostgreSQL major version of the temporary cluster")
    };
  }

  private static DriverPropertyInfo property(String name, String description) {
    DriverPropertyInfo info = new DriverPropertyInfo(name, null);
    info.description = description;
    return info;
  }

  @Override
  public int getMajorVersion() {
    return 0;
  }

  @Override
  public int getMinorVersion() {
    return 1;
  }

  @Override
  public boolean jdbcCompliant() {
    return false; // it is pgjdbc's connections that are
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("pgisolate logs through SLF4J");
  }
}
