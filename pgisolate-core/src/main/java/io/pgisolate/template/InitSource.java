package io.pgisolate.template;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

/**
 * What builds a schema: SQL files, classpath scripts, Flyway migrations, a Liquibase changelog or a
 * Java callback. A template's name derives from the {@link #fingerprint()}, so a schema is built
 * once per content, and rebuilt when the content changes.
 */
public interface InitSource {

  /** Names the source independently of its content (its locations), to find its older templates. */
  String identity();

  /** Every input that changes what {@link #apply} builds; hashed into the template name. */
  String fingerprint();

  /** Builds the schema. A failure names the file and the position of the error. */
  void apply(InitTarget target) throws SQLException;

  /** SQL files, and directories whose {@code *.sql} files run in name order. */
  static InitSource sql(Path... paths) {
    return new SqlScripts(Arrays.asList(paths));
  }

  /** Classpath SQL resources, and resource directories whose {@code *.sql} run in name order. */
  static InitSource classpath(String... resources) {
    return new ClasspathScripts(Arrays.asList(resources));
  }

  /**
   * Flyway migrations at the given locations ({@code classpath:db/migration}, {@code
   * filesystem:src/main/resources/db/migration}). Needs flyway-core and flyway-database-postgresql
   * on the classpath.
   */
  static InitSource flyway(String... locations) {
    OptionalDependency.require(
        "org.flywaydb.core.Flyway",
        "Flyway migrations (flyway:"
            + String.join(",", locations)
            + ") need flyway-core and flyway-database-postgresql",
        "add the dependency org.flywaydb:flyway-database-postgresql, scope test (it brings"
            + " flyway-core).");
    return new FlywayMigrations(Arrays.asList(locations));
  }

  /**
   * A Liquibase changelog: a classpath resource ({@code db/changelog.xml}) or a file ({@code
   * file:src/main/resources/db/changelog.xml}). Needs liquibase-core on the classpath.
   */
  static InitSource liquibase(String changelog) {
    OptionalDependency.require(
        "liquibase.Liquibase",
        "a Liquibase changelog (liquibase:" + changelog + ") needs liquibase-core",
        "add the dependency org.liquibase:liquibase-core, scope test.");
    return new LiquibaseChangelog(changelog);
  }

  /**
   * A Java callback. Its {@code version} stands for its content: change it when the callback builds
   * something else, so the template is rebuilt.
   */
  static InitSource callback(String name, String version, Callback callback) {
    return new CallbackSource(name, version, callback);
  }

  /** Nothing: an empty database. */
  static InitSource empty() {
    return new Composite(List.of());
  }

  /** Several sources, applied in order. */
  static InitSource of(InitSource... sources) {
    return new Composite(Arrays.asList(sources));
  }

  /** Builds a schema in Java. */
  @FunctionalInterface
  interface Callback {
    void apply(InitTarget target) throws SQLException;
  }
}
