package io.pgisolate.junit5;

import io.pgisolate.isolation.IsolationMode;
import io.pgisolate.template.InitSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test asked for: its annotation's attributes, falling back to {@code
 * junit-platform.properties} for the schema.
 */
record ExtensionSettings(
    InitSource source,
    IsolationMode isolation,
    PgIsolated.Scope scope,
    boolean keepOnFailure,
    boolean readOnly,
    Duration acquireTimeout) {

  static final String SCRIPTS = "pgisolate.scripts";
  static final String MIGRATIONS = "pgisolate.migrations";
  static final String FLYWAY = "pgisolate.flyway";
  static final String LIQUIBASE = "pgisolate.liquibase";
  static final String DEFAULT_FLYWAY_LOCATION = "classpath:db/migration";

  static ExtensionSettings of(PgIsolated annotation, ExtensionContext context) {
    List<String> scripts = List.of(annotation.scripts());
    List<String> migrations = List.of(annotation.migrations());
    boolean flyway = annotation.flyway() || !migrations.isEmpty();
    String liquibase = annotation.liquibase();
    if (scripts.isEmpty() && !flyway && liquibase.isEmpty()) {
      scripts = list(context.getConfigurationParameter(SCRIPTS));
      migrations = list(context.getConfigurationParameter(MIGRATIONS));
      flyway = !migrations.isEmpty() || BooleanParameter.read(context, FLYWAY, false);
      liquibase = context.getConfigurationParameter(LIQUIBASE).orElse("");
    }
    List<InitSource> sources = new ArrayList<>();
    if (!liquibase.isBlank()) {
      sources.add(InitSource.liquibase(liquibase.strip()));
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
    return new ExtensionSettings(
        sources.size() == 1 ? sources.get(0) : InitSource.of(sources.toArray(InitSource[]::new)),
        annotation.isolation(),
        annotation.scope(),
        annotation.keepOnFailure(),
        annotation.readOnly(),
        Duration.ofSeconds(annotation.acquireTimeoutSeconds()));
  }

  private static List<String> list(Optional<String> value) {
    return value
        .map(v -> Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList())
        .orElse(List.of());
  }
}
