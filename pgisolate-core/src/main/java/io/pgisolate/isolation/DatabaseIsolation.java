package io.pgisolate.isolation;

import io.pgisolate.sql.PgServer;
import io.pgisolate.template.Clone;
import io.pgisolate.template.ClonePool;
import java.sql.Connection;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;

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
    return new Leased(pool.acquire(timeout));
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
    private final Clone clone;
    private final Connections connections = new Connections();

    Leased(Clone clone) {
      this.clone = clone;
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
      return clone.jdbcUrl();
    }

    @Override
    public String uri() {
      return clone.uri();
    }

    @Override
    public DataSource dataSource() {
      return clone.dataSource();
    }

    @Override
    public Connection connection() {
      return connections.add(clone.connect());
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
