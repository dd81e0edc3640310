package io.pgisolate.junit5;

import io.pgisolate.isolation.IsolationMode;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives each test (or each test class) a database of its own, cloned from a template that holds the
 * schema. Parameters of type {@link javax.sql.DataSource}, {@link java.sql.Connection} (closed
 * after the test), {@link PgDatabase}, and {@code @JdbcUrl String} are injected.
 *
 * <p>The schema comes from the attributes, else from {@code junit-platform.properties} ({@code
 * pgisolate.scripts}, {@code pgisolate.migrations}, {@code pgisolate.flyway}, {@code
 * pgisolate.liquibase}). The server is a temporary cluster shared by every test class of the JVM,
 * or the server at {@code pgisolate.url}. SHARED_TRANSACTION tests use a transactional proxy in
 * front of it, or the proxy at {@code pgisolate.proxy.url}.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(PgIsolateExtension.class)
public @interface PgIsolated {

  /**
   * SQL scripts run in order: classpath resources ({@code db/schema.sql}, or a directory whose
   * {@code *.sql} run in name order), or files with a {@code file:} prefix.
   */
  String[] scripts() default {};

  /** Flyway locations ({@code classpath:db/migration}); implies {@link #flyway()}. */
  String[] migrations() default {};

  /** Run Flyway migrations (at {@code classpath:db/migration} unless {@link #migrations()}). */
  boolean flyway() default false;

  /**
   * A Liquibase changelog to run: a classpath resource ({@code db/changelog.xml}) or a {@code
   * file:} path. Needs liquibase-core on the test classpath.
   */
  String liquibase() default "";

  /**
   * How a test is isolated: a database of its own (default), a schema of its own in a shared
   * database, a transaction rolled back after it, or a transaction that every connection to a
   * transactional proxy shares (SHARED_TRANSACTION: hand {@code @JdbcUrl} to the application under
   * test, its pool or another process, and all it does is rolled back after the test; needs
   * pgisolate-proxy). The same parameters are injected in each, except that TRANSACTION has no
   * {@code @JdbcUrl} (a new connection cannot see the transaction). See docs/isolation-modes.md for
   * what each mode does not isolate.
   */
  IsolationMode isolation() default IsolationMode.DATABASE;

  /**
   * A database per test method (default), or one per test class shared by its tests. CLASS goes on
   * a class: on a test method it fails that test.
   */
  Scope scope() default Scope.METHOD;

  /**
   * Keep a failing test's database (or schema) and print its URL, instead of dropping it; with
   * {@code scope = CLASS}, the class's, when one of its tests failed. A TRANSACTION test's changes
   * cannot be kept: they are rolled back.
   */
  boolean keepOnFailure() default false;

  /**
   * The test does not change its database: it is handed to the next test instead of being dropped,
   * saving a copy. Held to it: the test's connections (and its data source, JDBC URL and URI) run
   * with {@code default_transaction_read_only = on}, so a write fails this test instead of reaching
   * the next one. DATABASE isolation only; the other modes ignore it, with a warning once per
   * class.
   */
  boolean readOnly() default false;

  /** How long a test may wait for a database, in seconds. */
  int acquireTimeoutSeconds() default 60;

  /** What a test's database is made of. */
  enum Scope {
    METHOD,
    CLASS
  }
}
