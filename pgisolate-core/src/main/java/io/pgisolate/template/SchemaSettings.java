package io.pgisolate.template;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A schema as users name it, in {@code @PgIsolated}'s attributes, {@code junit-platform.properties}
 * or a {@code jdbc:pgisolate:} URL: scripts, Flyway locations, a Liquibase changelog.
 *
 * @param scripts classpath resources (or directories of {@code *.sql}), or {@code file:} paths
 * @param migrations Flyway locations; any implies {@code flyway}
 * @param flyway run Flyway, at {@link #DEFAULT_FLYWAY_LOCATION} unless {@code migrations}
 * @param liquibase a Liquibase changelog, or blank
 */
public record SchemaSettings(
    List<String> scripts, List<String> migrations, boolean flyway, String liquibase) {
  public static final String DEFAULT_FLYWAY_LOCATION = "classpath:db/migration";

  public SchemaSettings {
    // Stripped as the driver's and the properties' comma-separated lists are, wherever they come
    // from: @PgIsolated(scripts = " db/schema.sql") names the same script.
    scripts = stripped(scripts);
    migrations = stripped(migrations);
    flyway = flyway || !migrations.isEmpty();
    liquibase = liquibase.strip();
  }

  /** A comma-separated list (of scripts or locations), without blanks around or between items. */
  public static List<String> commaSeparated(String value) {
    return stripped(Arrays.asList(value.split(",")));
  }

  private static List<String> stripped(List<String> names) {
    return names.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /** Names no schema: an empty database. */
  public boolean isEmpty() {
    return scripts.isEmpty() && !flyway && liquibase.isEmpty();
  }

  /** The source that builds it: Liquibase first, then Flyway, then the scripts. */
  public InitSource source() {
    List<InitSource> sources = new ArrayList<>();
    if (!liquibase.isEmpty()) {
      sources.add(InitSource.liquibase(liquibase));
    }
    if (flyway) {
      sources.add(
          InitSource.flyway(
              (migrations.isEmpty() ? List.of(DEFAULT_FLYWAY_LOCATION) : migrations)
                  .toArray(String[]::new)));
    }
    for (String script : scripts) {
      sources.add(
          script.startsWith("file:")
              ? InitSource.sql(Path.of(script.substring("file:".length())))
              : InitSource.classpath(script));
    }
    return sources.size() == 1 ? sources.get(0) : InitSource.of(sources.toArray(InitSource[]::new));
  }
}
