package io.pgisolate.isolation;

import io.pgisolate.PgIsolateException;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.Clone;
import io.pgisolate.template.ClonePool;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** A database per test: a clone of the template from a pre-warmed {@link ClonePool}. */
public final class DatabaseIsolation implements Isolation {
  private final ClonePool pool;

  /** Hands out clones of {@code pool}; closing this closes the pool. */
  public DatabaseIsolation(ClonePool pool) {
    this.pool = pool;
  }

  public ClonePool pool() {
    return pool;
  }

  @Override
  public IsolationMode mode() {
    return IsolationMode.DATABASE;
  }

  @Override
  public Isolated begin(Duration timeout) {
    return new Leased(pool.acquire(timeout), false);
  }

  /**
   * A clone whose connections refuse writes ({@code default_transaction_read_only}): the clone goes
   * to the next test as it is, so a write would reach that test; refused, it fails this one
   * instead. A test can still ask for a read-write transaction on purpose.
   */
  @Override
  public Isolated beginReadOnly(Duration timeout, String testName) {
    return new Leased(pool.acquire(timeout), true);
  }

  @Override
  public String state() {
    return pool.state();
  }

  @Override
  public void close() {
    pool.close();
  }

  private final class Leased implements Isolated {
    /** What makes a read-only test's sessions refuse writes, given at start-up or SET. */
    private static final String READ_ONLY = "default_transaction_read_only";

    private static final String READ_ONLY_OPTIONS = "-c " + READ_ONLY + "=on";

    private final Clone clone;
    private final boolean readOnly;
    private final Connections connections = new Connections();

    Leased(Clone clone, boolean readOnly) {
      this.clone = clone;
      this.readOnly = readOnly;
    }

    @Override
    public IsolationMode mode() {
      return IsolationMode.DATABASE;
    }

    @Override
    public PgServer server() {
      return clone.server();
    }

    @Override
    public String database() {
      return clone.name();
    }

    @Override
    public Optional<String> schema() {
      return Optional.empty();
    }

    @Override
    public String jdbcUrl() {
      return readOnly
          ? clone.jdbcUrl() + "&options=" + PgServer.urlPart(READ_ONLY_OPTIONS)
          : clone.jdbcUrl();
    }

    @Override
    public String uri() {
      return readOnly
          ? clone.uri() + "?options=" + PgServer.urlPart(READ_ONLY_OPTIONS)
          : clone.uri();
    }

    @Override
    public DataSource dataSource() {
      DataSource ds = clone.dataSource();
      if (readOnly && ds instanceof PGSimpleDataSource pg) {
        pg.setOptions(READ_ONLY_OPTIONS);
      }
      return ds;
    }

    @Override
    public Connection connection() {
      Connection connection = connections.add(clone.connect());
      if (readOnly) {
        try (Statement st = connection.createStatement()) {
          st.execute("SET " + READ_ONLY + " = on");
        } catch (SQLException e) {
          throw new PgIsolateException(
              "could not make the read-only test's connection to " + clone.name() + " read-only",
              e);
        }
      }
      return connection;
    }

    @Override
    public Optional<String> end(Outcome outcome) {
      connections.closeAll();
      if (outcome.isFailed() && outcome.keepOnFailure()) {
        pool.keep(clone, outcome.testName());
        return Optional.of(clone.uri());
      }
      if (outcome.unchanged() && !outcome.isFailed()) {
        pool.recycle(clone);
      } else {
        pool.release(clone);
      }
      return Optional.empty();
    }
  }
}
