package io.pgisolate.lease;

/**
 * One database handed out exclusively by a {@link LeasePool}. Each grant is a new object, so a
 * release of an old grant can never release a later holder's lease.
 *
 * @param name the database name, {@code {prefix}{index}}
 * @param index position of the database in the pool, 0…count−1
 * @param holder who holds it, for status reports (a peer description, a thread name)
 * @param grantedAtNanos when it was granted, on the pool's clock
 * @param waitedNanos how long the request waited for it (0 when a database was free)
 */
public record Lease(String name, int index, String holder, long grantedAtNanos, long waitedNanos) {
  /** Value identity: two grants of the same database are different leases. */
  @Override
  public boolean equals(Object other) {
    return this == other;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }
}
