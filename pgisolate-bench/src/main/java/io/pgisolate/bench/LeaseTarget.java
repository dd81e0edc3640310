package io.pgisolate.bench;

import io.pgisolate.lease.LeasePool;
import io.pgisolate.lease.LeaseServer;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A lease server the lease bench measures, pgisolate's or pgmanager's: a fresh one for every
 * measurement, so that none inherits another's connections or leases. The clients are the same for
 * both; only what the bench waits for untimed, where a server shows it, differs.
 *
 * @param starter starts a server leasing {@code count} databases, {@link #PREFIX}0…, and waits
 *     until it listens
 */
record LeaseTarget(String name, Starter starter) {
  static final String PREFIX = "bench_";
  private static final Duration WAIT = Duration.ofSeconds(30);

  interface Starter {
    Server start(int count) throws Exception;
  }

  /** One running server. */
  interface Server extends AutoCloseable {
    Path socket();

    /** Waits, untimed, until a client waits in line; returns at once where it cannot be seen. */
    void awaitWaiter() throws InterruptedException;

    @Override
    void close() throws Exception;
  }

  Server start(int count) throws Exception {
    return starter.start(count);
  }

  /** pgisolate's server, in this JVM as the bench has always measured it. */
  static LeaseTarget pgisolate(Path dir) {
    return new LeaseTarget(
        "pgisolate",
        count -> {
          LeaseServer server =
              LeaseServer.start(new LeasePool(PREFIX, count), dir.resolve("pgi.sock"));
          return new Server() {
            @Override
            public Path socket() {
              return server.socket();
            }

            @Override
            public void awaitWaiter() throws InterruptedException {
              if (!server.pool().awaitState(s -> s.waiting().size() == 1, WAIT)) {
                throw new IllegalStateException("the waiter never got in line");
              }
            }

            @Override
            public void close() throws InterruptedException {
              // Lets the last releases land before the server goes, as the bench always did.
              server.pool().awaitState(s -> s.leased().isEmpty(), WAIT);
              server.close();
            }
          };
        });
  }

  /** pgmanager's server, the executable at {@code executable}, one process per measurement. */
  static LeaseTarget pgmanager(Path executable, Path tmpRoot) {
    return new LeaseTarget(
        "pgmanager", count -> PgmanagerServer.start(executable, tmpRoot, PREFIX, count));
  }
}
