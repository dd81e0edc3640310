package io.pgisolate.junit5;

import io.pgisolate.PgIsolateException;
import io.pgisolate.isolation.Isolation;
import io.pgisolate.isolation.IsolationMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The class-scoped leases of the classes around a test (or @Nested class) that begins a lease of
 * its own. They end only after it, so when they hold everything it could wait for (the proxy's one
 * test of SHARED_TRANSACTION, every TRANSACTION worker of the runner) it would wait for itself
 * until its acquire timeout: it fails at once instead, saying what to change.
 */
final class EnclosingLeases {
  private EnclosingLeases() {}

  static void refuseWaitingForThem(ExtensionContext context, Isolation isolation) {
    List<ExtensionContext> holders = holders(context, isolation);
    if (holders.isEmpty()) {
      return;
    }
    if (isolation instanceof SharedTransactionIsolation) {
      throw new PgIsolateException(
          "test '"
              + PgIsolateExtension.testName(context)
              + "' cannot begin its own shared transaction: its class's (scope = CLASS) is open"
              + " on the same proxy until the class ends, and a proxy runs one test at a time."
              + " Hint: remove the method's @PgIsolated to work in the class's transaction, or"
              + " give the class scope = METHOD.");
    }
    if (isolation instanceof SharedServer.InDatabase d
        && d.mode() == IsolationMode.TRANSACTION
        && holders.size() >= d.workers) {
      throw new PgIsolateException(
          subject(context)
              + " cannot get a TRANSACTION worker of its own: there "
              + (d.workers == 1 ? "is 1" : "are " + d.workers)
              + " ("
              + SharedServer.WORKERS
              + "), held by "
              + String.join(", ", holders.stream().map(PgIsolateExtension::testName).toList())
              + " (scope = CLASS) until "
              + (holders.size() == 1 ? "that class ends" : "those classes end")
              + ", so it would wait for itself. Hint: remove its @PgIsolated to work in the"
              + " enclosing class's transaction, set "
              + SharedServer.WORKERS
              + " to "
              + (holders.size() + 1)
              + " or more, or give the enclosing class scope = METHOD.");
    }
  }

  /** The enclosing contexts whose own leases come from {@code isolation}, outermost last. */
  private static List<ExtensionContext> holders(ExtensionContext context, Isolation isolation) {
    List<ExtensionContext> holders = new ArrayList<>();
    for (Optional<ExtensionContext> c = context.getParent();
        c.isPresent();
        c = c.get().getParent()) {
      ExtensionContext enclosing = c.get();
      PgIsolateExtension.ownLease(enclosing)
          .filter(lease -> lease.isolation.equals(isolation))
          .ifPresent(lease -> holders.add(enclosing));
    }
    return holders;
  }

  private static String subject(ExtensionContext context) {
    String name = PgIsolateExtension.testName(context);
    return context.getTestMethod().isPresent()
        ? "test '" + name + "'"
        : "@Nested class '" + name + "'";
  }
}
