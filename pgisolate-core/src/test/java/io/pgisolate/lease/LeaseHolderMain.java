package io.pgisolate.lease;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A lease client in a process of its own, for tests that kill clients: leases a database from the
 * socket in args[0], prints "OK:<name>" on a line, and holds the lease until stdin ends.
 */
public final class LeaseHolderMain {
  private LeaseHolderMain() {}

  public static void main(String[] args) throws Exception {
    try (DatabaseLease lease =
        DatabaseLease.builder().socket(Path.of(args[0])).timeout(Duration.ofMinutes(2)).acquire()) {
      System.out.println("OK:" + lease.name());
      System.out.flush();
      while (System.in.read() >= 0) {
        // hold until the parent closes our stdin (or kills us)
      }
    }
  }
}
