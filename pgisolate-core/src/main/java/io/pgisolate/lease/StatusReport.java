package io.pgisolate.lease;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The answer to {@code STATUS\n}: line-oriented text, one {@code key=value} record per line, easy
 * to read and to parse from a shell. For example:
 *
 * <pre>
 * pool prefix=app_test count=3 leased=2 free=1 waiting=1 peak=3 grants=17 total_wait_ms=40
 * leased app_test0 pid=4242 user=ci held_ms=1520
 * leased app_test2 pid=? user=ci held_ms=12
 * free app_test1
 * waiting pid=4250 user=ci waited_ms=3
 * </pre>
 *
 * An empty line ends the report. Leased lines are in database order, free lines in hand-out order,
 * waiting lines in arrival order. {@code pid=?} when the holder's process could not be found (see
 * {@link PeerProcesses}).
 */
final class StatusReport {
  private StatusReport() {}

  /**
   * A holder or a waiter.
   *
   * @param name the leased database, or null for a waiter
   * @param order database index for a holder, arrival number for a waiter
   * @param peer "pid=… user=…"
   * @param nanos held for, or waited for
   */
  record Line(String name, long order, String peer, long nanos) {}

  static String render(LeasePool pool, List<Line> lines) {
    LeasePool.Snapshot snapshot = pool.snapshot();
    LeasePool.Stats stats = pool.stats();
    List<Line> holders =
        lines.stream()
            .filter(l -> l.name() != null)
            .sorted(Comparator.comparingLong(Line::order))
            .toList();
    List<Line> waiters =
        lines.stream()
            .filter(l -> l.name() == null)
            .sorted(Comparator.comparingLong(Line::order))
            .toList();
    StringBuilder out = new StringBuilder();
    out.append("pool prefix=")
        .append(pool.prefix())
        .append(" count=")
        .append(pool.names().size())
        .append(" leased=")
        .append(snapshot.leased().size())
        .append(" free=")
        .append(snapshot.free().size())
        .append(" waiting=")
        .append(waiters.size())
        .append(" peak=")
        .append(stats.peakLeased())
        .append(" grants=")
        .append(stats.grants())
        .append(" total_wait_ms=")
        .append(TimeUnit.NANOSECONDS.toMillis(stats.totalWaitNanos()));
    if (!snapshot.recycling().isEmpty()) {
      out.append(" resetting=").append(snapshot.recycling().size());
    }
    out.append('\n');
    for (Line l : holders) {
      out.append("leased ")
          .append(l.name())
          .append(' ')
          .append(l.peer())
          .append(" held_ms=")
          .append(TimeUnit.NANOSECONDS.toMillis(l.nanos()))
          .append('\n');
    }
    for (String name : snapshot.free()) {
      out.append("free ").append(name).append('\n');
    }
    for (String name : snapshot.recycling()) {
      out.append("resetting ").append(name).append('\n');
    }
    for (Line l : waiters) {
      out.append("waiting ")
          .append(l.peer())
          .append(" waited_ms=")
          .append(TimeUnit.NANOSECONDS.toMillis(l.nanos()))
          .append('\n');
    }
    return out.append('\n').toString();
  }
}
