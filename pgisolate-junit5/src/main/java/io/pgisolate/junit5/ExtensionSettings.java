package io.pgisolate.junit5;

import io.pgisolate.PgIsolateException;
import io.pgisolate.isolation.IsolationMode;
import io.pgisolate.template.InitSource;
import io.pgisolate.template.SchemaSettings;
import java.time.Duration;
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

  static ExtensionSettings of(PgIsolated annotation, ExtensionContext context) {
    UnknownSettings.refuse(context);
    if (annotation.acquireTimeoutSeconds() < 1) {
      throw new PgIsolateException(
          "@PgIsolated(acquireTimeoutSeconds = "
              + annotation.acquireTimeoutSeconds()
              + ") on "
              + PgIsolateExtension.where(context)
              + ": it must be at least 1. Hint: remove it for the default of 60 seconds.");
    }
    if (annotation.scope() == PgIsolated.Scope.CLASS && context.getTestMethod().isPresent()) {
      // Only a method's own annotation gets here: a class's CLASS scope begins in beforeAll.
      throw new PgIsolateException(
          "@PgIsolated(scope = CLASS) on "
              + PgIsolateExtension.where(context)
              + ": a test method cannot share a database with its class's tests. Hint: put"
              + " @PgIsolated(scope = CLASS) on the class, or remove scope = CLASS to give this"
              + " test a database of its own.");
    }
    SchemaSettings schema =
        new SchemaSettings(
            List.of(annotation.scripts()),
            List.of(annotation.migrations()),
            annotation.flyway(),
            annotation.liquibase());
    if (schema.isEmpty()) {
      schema =
          new SchemaSettings(
              list(context.getConfigurationParameter(SCRIPTS)),
              list(context.getConfigurationParameter(MIGRATIONS)),
              BooleanParameter.read(context, FLYWAY, false),
              context.getConfigurationParameter(LIQUIBASE).orElse(""));
    }
    return new ExtensionSettings(
        schema.source(),
        annotation.isolation(),
        annotation.scope(),
        annotation.keepOnFailure(),
        annotation.readOnly(),
        Duration.ofSeconds(annotation.acquireTimeoutSeconds()));
  }

  private static List<String> list(Optional<String> value) {
    return value.map(SchemaSettings::commaSeparated).orElse(List.of());
  }
}
