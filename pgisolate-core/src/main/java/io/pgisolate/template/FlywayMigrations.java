package io.pgisolate.template;

import io.pgisolate.PgIsolateException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * Flyway migrations. The fingerprint is the names and contents of every file in the locations and
 * their subdirectories, read without a database, so an unchanged history reuses its template;
 * Java-based migrations compiled elsewhere are not seen by it (change a SQL file or the location
 * list to force a rebuild).
 */
record FlywayMigrations(List<String> locations) implements InitSource {
  private static final Pattern FAILED =
      Pattern.compile("(?:Migration (\\S+) failed|Failed to execute script (\\S+))");
  private static final Pattern MESSAGE = Pattern.compile("Message\\s*:\\s*(?:ERROR: )?(.*)");
  private static final Pattern LINE = Pattern.compile("Line\\s*:\\s*(\\d+)");
  private static final Pattern POSITION = Pattern.compile("Position: (\\d+)");

  FlywayMigrations {
    locations = List.copyOf(locations);
    if (locations.isEmpty()) {
      throw new IllegalArgumentException("invalid flyway locations '[]': name at least one.");
    }
  }

  @Override
  public String identity() {
    return "flyway:" + String.join(",", locations);
  }

  @Override
  public String fingerprint() {
    StringBuilder text = new StringBuilder(identity()).append('\n');
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    for (String location : locations) {
      if (location.startsWith("filesystem:")) {
        Path dir = Path.of(location.substring("filesystem:".length()));
        SourceFiles.appendTree(text, dir, "Flyway location " + location);
      } else {
        // Flyway reads a location's subdirectories too (V2 in db/migration/v2/ is a migration).
        SourceFiles.appendClasspathTree(text, loader, location.replaceFirst("^classpath:", ""));
      }
    }
    return text.toString();
  }

  @Override
  public void apply(InitTarget target) {
    FluentConfiguration config =
        Flyway.configure()
            .dataSource(target.dataSource())
            .locations(locations.toArray(String[]::new))
            .failOnMissingLocations(true);
    target.schema().ifPresent(s -> config.schemas(s).defaultSchema(s).createSchemas(true));
    try {
      config.load().migrate();
    } catch (FlywayException e) {
      throw new PgIsolateException(oneLine(e.getMessage()), e);
    }
  }

  /** Flyway's multi-line report of a failed migration, as one line: file, line, error. */
  static String oneLine(String report) {
    Matcher failed = FAILED.matcher(report);
    if (!failed.find()) {
      return "Flyway migration failed: "
          + report
              .lines()
              .map(String::strip)
              .filter(l -> !l.isEmpty())
              .collect(Collectors.joining(" "))
          + (report.strip().endsWith(".") ? "" : ".");
    }
    String script = failed.group(1) != null ? failed.group(1) : failed.group(2);
    StringBuilder message = new StringBuilder("migration ").append(script).append(" failed");
    Matcher line = LINE.matcher(report);
    if (line.find()) {
      message.append(" at line ").append(line.group(1));
    }
    Matcher m = MESSAGE.matcher(report);
    if (m.find()) {
      message.append(": ").append(m.group(1).strip());
    }
    Matcher position = POSITION.matcher(report);
    if (position.find()) {
      message.append(" (position ").append(position.group(1)).append(" in the statement)");
    }
    return message.append('.').toString();
  }
}
