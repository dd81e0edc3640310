package io.pgisolate.junit5;

import io.pgisolate.PgIsolateException;
import io.pgisolate.isolation.Isolation;
import io.pgisolate.isolation.IsolationMode;
import io.pgisolate.template.InitSource;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where SHARED_TRANSACTION tests run: on the transactional proxy at {@code pgisolate.proxy.url} (or
 * {@code PGISOLATE_PROXY_URL}) that another process runs, else on a proxy this JVM starts in front
 * of the shared server, one per schema source (see {@link SharedServer#isolation}).
 */
final class SharedTransactions {
  static final String PROXY_URL = "pgisolate.proxy.url";
  static final String PROXY_URL_ENV = "PGISOLATE_PROXY_URL";
  static final String PROXY_CLASS = "io.pgisolate.proxy.transactional.TransactionalProxy";
  private static final Logger log = LoggerFactory.getLogger(SharedTransactions.class);

  private SharedTransactions() {}

  static Isolation of(ExtensionContext context, InitSource source) {
    requireClass(PROXY_CLASS, SharedTransactions.class.getClassLoader());
    ExtensionContext root = context.getRoot();
    Optional<String> url =
        root.getConfigurationParameter(PROXY_URL)
            .or(() -> Optional.ofNullable(System.getenv(PROXY_URL_ENV)))
            .filter(u -> !u.isBlank());
    if (url.isEmpty()) {
      return SharedServer.of(context).isolation(IsolationMode.SHARED_TRANSACTION, source);
    }
    External external =
        root.getStore(PgIsolateExtension.NAMESPACE)
            .getOrComputeIfAbsent(
                External.class,
                k -> new External(SharedTransactionIsolation.external(url.get())),
                External.class);
    external.notApplied(source);
    return external.isolation;
  }

  /**
   * Fails with a message saying what to add when the optional pgisolate-proxy dependency is
   * missing, before any of its classes is needed.
   */
  static void requireClass(String name, ClassLoader loader) {
    try {
      Class.forName(name, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new PgIsolateException(
          "isolation = SHARED_TRANSACTION needs pgisolate-proxy on the test classpath ("
              + name
              + " is missing). Hint: add the dependency io.pgisolate:pgisolate-proxy, scope test.",
          e);
    }
  }

  /** The proxy of another process, shared by every SHARED_TRANSACTION test of the JVM. */
  private static final class External implements AutoCloseable {
    final SharedTransactionIsolation isolation;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    External(SharedTransactionIsolation isolation) {
      this.isolation = isolation;
    }

    /**
     * The proxy's database is used as it is: a schema source the test names is not applied there
     * (it would be applied again by every JVM), which is said once per source.
     */
    void notApplied(InitSource source) {
      if (!source.identity().equals(InitSource.empty().identity())
          && warned.add(source.identity())) {
        log.warn(
            "pgisolate: {} is set, so SHARED_TRANSACTION tests use {} and its database as they"
                + " are: the schema source {} is not applied there. Build the schema when the"
                + " proxy starts (pgisolate proxy --mode transactional -f schema.sql).",
            PROXY_URL,
            isolation.description(),
            source.identity());
      }
    }

    @Override
    public void close() {
      isolation.close();
    }
  }
}
