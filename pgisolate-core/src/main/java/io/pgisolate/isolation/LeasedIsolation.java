package io.pgisolate.isolation;

import io.pgisolate.lease.DatabaseLease;
import io.pgisolate.sql.PgServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A database per test, leased from a lease server ({@code pgisolate serve}, or pgmanager) instead
 * of cloned by this JVM: processes that share the server (Surefire forks, shards in other
 * languages) share its pool. The databases are the server's; with its {@code --reset} each lease
 * starts clean. The lease ends when the test does.
 */
public final class LeasedIsolation implements Isolation {
  private static final Logger log = LoggerFactory.getLogger(LeasedIsolation.class);

  private final PgServer server;
  private final Path socket;

  /** Leases from the server at {@code socket}; the databases live on {@code server}. */
  public LeasedIsolation(PgServer server, Path socket) {
    this.server = server;
    this.socket = socket;
  }

  @Override
  public IsolationMode mode() {
    return IsolationMode.DATABASE;
  }

  @Override
  public Isolated begin(Duration timeout) {
    return new Held(DatabaseLease.builder().socket(socket).timeout(timeout).acquire());
  }

  @Override
  public String state() {
    return "leases from " + socket;
  }

  @Override
  public void close() {
    // The lease server owns the databases: nothing of ours to end.
  }

  private final class Held implements Isolated {
    private final DatabaseLease lease;
    private final Connections connections = new Connections();

    Held(DatabaseLease lease) {
      this.lease = lease;
    }

    @Override
    public IsolationMode mode() {
      return IsolationMode.DATABASE;
    }

    @Override
    public PgServer server() {
      return server;
    }

    @Override
    public String database() {
      return lease.name();
    }

    @Override
    public Optional<String> schema() {
      return Optional.empty();
    }

    @Override
    public String jdbcUrl() {
      return server.jdbcUrl(lease.name());
    }

    @Override
    public String uri() {
      return server.uri(lease.name());
    }

    @Override
    public DataSource dataSource() {
      return server.dataSource(lease.name());
    }

    @Override
    public Connection connection() {
      return connections.add(server.connect(lease.name()));
    }

    @Override
    public Optional<String> end(Outcome outcome) {
      connections.closeAll();
      if (outcome.isFailed() && outcome.keepOnFailure()) {
        // Keeping it would take it from the shared pool for good; say so instead of pretending.
        log.warn(
            "keepOnFailure does not keep leased databases: {} goes back to the lease server {}",
            lease.name(),
            socket);
      }
      lease.close();
      return Optional.empty();
    }
  }
}
