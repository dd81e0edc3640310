package io.pgisolate.jdbc;

import io.pgisolate.cluster.JvmExit;
import io.pgisolate.cluster.JvmServer;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.Clone;
import io.pgisolate.template.ClonePool;
import io.pgisolate.template.InitSource;
import io.pgisolate.template.SchemaSettings;
import io.pgisolate.template.Template;
import io.pgisolate.template.Templates;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The databases {@code jdbc:pgisolate:} URLs reach: one per database name (the URL's, or one
 * derived from its schema), made on first connect and reached by every later connection, so that a
 * connection pool's connections all see the same data.
 *
 * <p>On the JVM's temporary cluster a database has the URL's name, and is made by {@link
 * ClusterClones}: on a kept admin connection, or renamed from a spare made ahead. On a server named
 * by {@code pgisolate.url}, which other JVMs may use at the same time, the name is {@code
 * <name>_<owner>_1}, unique to this JVM; the database is dropped at JVM exit, or by the next JVM
 * that uses the name when this one died.
 */
final class UrlDatabases {
  /** SQLState "sqlclient_unable_to_establish_sqlconnection". */
  static final String CANNOT_CONNECT = "08001";

  private static final Logger log = LoggerFactory.getLogger(UrlDatabases.class);
  private static final Duration TEMPLATE_LOCK_TIMEOUT = Duration.ofMinutes(5);
  private static final ConcurrentMap<String, Entry> DATABASES = new ConcurrentHashMap<>();

  private UrlDatabases() {}

  /** The database of {@code url}, made now if no connection reached it before. */
  static Clone of(DriverUrl url) throws SQLException {
    String name = url.database().orElseGet(() -> generatedName(url));
    Entry entry = DATABASES.computeIfAbsent(name, k -> new Entry(url));
    if (!entry.schema.equals(url.schema()) || !entry.version.equals(url.version())) {
      throw failed(
          url,
          "database "
              + name
              + " is already made by "
              + entry.firstUrl
              + ", from another schema or version. Hint: give each schema its own database name");
    }
    return entry.database(url, name);
  }

  /** One database name's: made once, by the first caller; the others wait for it. */
  private static final class Entry {
    final SchemaSettings schema;
    final Optional<String> version;
    final String firstUrl;
    private Clone database; // guarded by this

    Entry(DriverUrl url) {
      this.schema = url.schema();
      this.version = url.version();
      this.firstUrl = url.redacted();
    }

    synchronized Clone database(DriverUrl url, String name) throws SQLException {
      if (database == null) {
        database = make(url, name); // a failure is not kept: the next connect tries again
      }
      return database;
    }
  }

  private static Clone make(DriverUrl url, String name) throws SQLException {
    long started = System.nanoTime();
    JvmServer jvm = server(url);
    // Checked before the template is built: a bad name must not cost a build.
    Optional<ClonePool.Settings> unique =
        jvm.cluster().isPresent() ? Optional.empty() : Optional.of(uniqueNames(url, name));
    // On the JVM's own cluster: one admin connection kept open, and a spare made ahead.
    Optional<ClusterClones> own = jvm.cluster().map(c -> ClusterClones.of(jvm.server()));
    Template template = template(url, jvm.server(), own);
    Clone clone =
        unique.isPresent()
            ? unique(url, template, unique.get())
            : named(url, own.orElseThrow(), template, name);
    log.info(
        "{} reaches database {} (template {}) after {} ms",
        url.redacted(),
        clone.name(),
        template.name(),
        (System.nanoTime() - started) / 1_000_000);
    return clone;
  }

  /** A copy of the template named {@code name}, on the JVM's own cluster. */
  private static Clone named(DriverUrl url, ClusterClones own, Template template, String name)
      throws SQLException {
    try {
      return own.cloneAs(template, name);
    } catch (SQLException | RuntimeException e) {
      throw failed(
          url,
          "database " + name + " could not be made: " + message(e),
          "Hint: choose another database name in the URL",
          e);
    }
  }

  /**
   * A copy named {@code <name>_<owner>_1} on a server other JVMs may use too: a clone pool of one
   * makes it, drops it at JVM exit, and drops the ones of JVMs that died (their owner lock is
   * free).
   */
  private static Clone unique(DriverUrl url, Template template, ClonePool.Settings settings)
      throws SQLException {
    ClonePool pool = null;
    try {
      pool = ClonePool.start(template, settings);
      Clone clone = pool.acquire();
      JvmExit.beforeClustersStop(pool::close);
      return clone;
    } catch (RuntimeException e) {
      if (pool != null) {
        pool.close();
      }
      throw failed(
          url,
          "database " + settings.prefix() + "_… could not be made: " + message(e),
          "Hint: check that the user of pgisolate.url may create databases",
          e);
    }
  }

  /** Names {@code <name>_<owner>_<n>}, for a clone pool of one. */
  private static ClonePool.Settings uniqueNames(DriverUrl url, String name) throws SQLException {
    try {
      return ClonePool.Settings.defaults().withPrefix(name).withReady(0).withMax(1).withWorkers(1);
    } catch (IllegalArgumentException e) {
      throw failed(
          url,
          "database name "
              + name
              + " does not suit the server at pgisolate.url, where it is the start of a name"
              + " unique to this JVM: "
              + e.getMessage(),
          "Hint: change the name in the URL",
          e);
    }
  }

  private static JvmServer server(DriverUrl url) throws SQLException {
    Optional<String> existing = JvmServer.configuredUrl(DriverSettings::get);
    // The URL's version, else the one the JUnit extension is configured with, so both share one.
    Optional<DriverSettings.Setting> version =
        url.version()
            .map(v -> new DriverSettings.Setting(DriverUrl.VERSION, v, "URL"))
            .or(() -> DriverSettings.setting(JvmServer.VERSION_PARAMETER));
    try {
      JvmServer jvm = JvmServer.get(existing, version.map(DriverSettings.Setting::value));
      if (existing.isPresent()) {
        // Reached now, so that a server that is down is not reported as a schema that failed.
        jvm.server().connect(jvm.server().adminDatabase()).close();
      }
      return jvm;
    } catch (SQLException | RuntimeException e) {
      if (existing.isPresent()) {
        throw failed(
            url,
            "the server at pgisolate.url / PGISOLATE_URL: " + message(e),
            "Hint: check pgisolate.url / PGISOLATE_URL",
            e);
      }
      throw failed(
          url,
          "no temporary cluster"
              + version.map(v -> " of " + v).orElse("")
              + " could start: "
              + message(e),
          "Hint: version is a PostgreSQL major version, such as 17",
          e);
    }
  }

  private static Template template(DriverUrl url, PgServer server, Optional<ClusterClones> own)
      throws SQLException {
    try {
      InitSource source = url.schema().source();
      return own.isPresent()
          ? own.get().template(source, TEMPLATE_LOCK_TIMEOUT)
          : Templates.ensure(server, source, TEMPLATE_LOCK_TIMEOUT);
    } catch (RuntimeException | LinkageError e) {
      throw failed(
          url,
          "the schema of "
              + url.schemaParameters()
              + " could not be built: "
              + (e instanceof LinkageError
                  ? "class " + e.getMessage() + " is missing"
                  : message(e)),
          e instanceof LinkageError
              ? "Hint: flyway needs flyway-core and flyway-database-postgresql on the classpath,"
                  + " liquibase needs liquibase-core"
              : "Hint: fix " + url.schemaParameters() + "; the template is rebuilt when it changes",
          e);
    }
  }

  /** A name for a URL without one: the same for the same schema and version. */
  private static String generatedName(DriverUrl url) {
    return "pgisolate_"
        + String.format("%08x", (url.schema() + "|" + url.version().orElse("")).hashCode());
  }

  private static String message(Throwable e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    return m.replaceAll("\\R\\s*", " ").strip();
  }

  static SQLException failed(DriverUrl url, String why) {
    return new SQLException(url.redacted() + ": " + why + ".", CANNOT_CONNECT);
  }

  /** One line: what failed and why, then {@code hint} unless the cause gave one already. */
  private static SQLException failed(DriverUrl url, String why, String hint, Throwable cause) {
    String text = why.endsWith(".") ? why : why + ".";
    return new SQLException(
        url.redacted() + ": " + text + (why.contains("Hint:") ? "" : " " + hint + "."),
        CANNOT_CONNECT,
        cause);
  }
}
