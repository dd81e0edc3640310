package io.pgisolate.lease;

import java.time.Duration;

/**
 * A second say on whether a free database may be leased here: for pools shared by several lease
 * servers (on several machines), whose other holders this server does not see. The pool asks before
 * it hands a database out and tells when one comes back to its free queue. Other servers release
 * databases without telling this one, so waiting requests are retried every {@link
 * #retryInterval()}.
 */
public interface LeaseGate extends AutoCloseable {
  /** True when database {@code index} is now this server's to lease, until {@link #give}. */
  boolean tryTake(int index);

  /** Database {@code index} is free again here: let the other servers have it. */
  void give(int index);

  /** How often waiting requests try again for databases other servers may have released. */
  Duration retryInterval();

  /**
   * Checks that what this server took is still its own, and takes back what it lost (a shared
   * server may end the session that holds it); called now and then, as {@link #recheckInterval()}
   * says. Nothing to do for gates that cannot lose what they took.
   */
  default void recheck() {}

  /** How often {@link #recheck()} runs; empty for gates that need none. */
  default java.util.Optional<Duration> recheckInterval() {
    return java.util.Optional.empty();
  }

  /** Lets go of everything taken. */
  @Override
  void close();
}
