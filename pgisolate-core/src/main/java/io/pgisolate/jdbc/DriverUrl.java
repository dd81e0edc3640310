package io.pgisolate.jdbc;

import io.pgisolate.ClosestName;
import io.pgisolate.sql.PgServer;
import io.pgisolate.template.SchemaSettings;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.postgresql.PGProperty;

/**
 * A parsed {@code jdbc:pgisolate:} URL, written like pgjdbc's without a host:
 *
 * <pre>
 * jdbc:pgisolate:[///]DATABASE[?PARAMETER=VALUE[&amp;PARAMETER=VALUE]…]
 * </pre>
 *
 * pgisolate's own parameters name the schema ({@code scripts}, {@code migrations}, {@code flyway},
 * {@code liquibase}) and the PostgreSQL major version ({@code version}); every other one must be a
 * pgjdbc property and goes to pgjdbc unchanged.
 *
 * @param text the URL as given
 * @param database the database name, when the URL has one
 * @param schema what the database's template is built from
 * @param version the PostgreSQL version of the temporary cluster, when asked for
 * @param pgjdbc the parameters for pgjdbc, in order
 * @param schemaParameters the schema parameters as written ({@code scripts=db/schema.sql}), for
 *     messages
 */
record DriverUrl(
    String text,
    Optional<String> database,
    SchemaSettings schema,
    Optional<String> version,
    Map<String, String> pgjdbc,
    String schemaParameters) {
  static final String PREFIX = "jdbc:pgisolate:";
  static final String SCRIPTS = "scripts";
  static final String MIGRATIONS = "migrations";
  static final String FLYWAY = "flyway";
  static final String LIQUIBASE = "liquibase";
  static final String VERSION = "version";
  static final List<String> OWN = List.of(SCRIPTS, MIGRATIONS, FLYWAY, LIQUIBASE, VERSION);

  /** PostgreSQL's limit on a database name, in bytes (NAMEDATALEN - 1). */
  static final int MAX_NAME_BYTES = 63;

  static boolean accepts(String url) {
    return url != null && url.startsWith(PREFIX);
  }

  static DriverUrl parse(String text) throws SQLException {
    String rest = text.substring(PREFIX.length());
    int question = rest.indexOf('?');
    String path = question < 0 ? rest : rest.substring(0, question);
    String query = question < 0 ? "" : rest.substring(question + 1);
    if (path.startsWith("//")) {
      int slash = path.indexOf('/', 2);
      String host = slash < 0 ? path.substring(2) : path.substring(2, slash);
      if (!host.isEmpty()) {
        throw invalid(
            text,
            "it names a host ("
                + host
                + "), but pgisolate chooses the server: a temporary cluster, or the one at"
                + " pgisolate.url / PGISOLATE_URL. Hint: write jdbc:pgisolate:///DATABASE?… and"
                + " set pgisolate.url to use an existing server");
      }
      path = slash < 0 ? "" : path.substring(slash);
    }
    String database = decode(text, path.startsWith("/") ? path.substring(1) : path);
    if (database.contains("/")) {
      throw invalid(
          text, "'" + database + "' is not a database name. Hint: write jdbc:pgisolate:///shop");
    }
    if (database.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      throw invalid(
          text,
          "the database name is longer than "
              + MAX_NAME_BYTES
              + " bytes, PostgreSQL's limit. Hint: shorten it");
    }

    List<String> scripts = new ArrayList<>();
    List<String> migrations = new ArrayList<>();
    boolean flyway = false;
    String liquibase = "";
    Optional<String> version = Optional.empty();
    Map<String, String> pgjdbc = new LinkedHashMap<>();
    List<String> schemaParameters = new ArrayList<>();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(text, eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(text, pair.substring(eq + 1));
      switch (name) {
        case SCRIPTS -> scripts.addAll(SchemaSettings.commaSeparated(value));
        case MIGRATIONS -> migrations.addAll(SchemaSettings.commaSeparated(value));
        case FLYWAY -> flyway = bool(text, name, value);
        case LIQUIBASE -> liquibase = value;
        case VERSION -> version = Optional.of(value.strip()).filter(v -> !v.isEmpty());
        default -> {
          if (PGProperty.forName(name) == null) {
            throw invalid(text, unknown(name));
          }
          pgjdbc.put(name, value);
        }
      }
      if (OWN.contains(name) && !name.equals(VERSION)) {
        schemaParameters.add(name + "=" + value);
      }
    }
    return new DriverUrl(
        text,
        Optional.of(database).filter(d -> !d.isEmpty()),
        new SchemaSettings(scripts, migrations, flyway, liquibase),
        version,
        pgjdbc,
        schemaParameters.isEmpty() ? "(no schema parameter)" : String.join("&", schemaParameters));
  }

  /** The URL without its password, for messages. */
  String redacted() {
    return PgServer.redacted(text);
  }

  private static boolean bool(String text, String name, String value) throws SQLException {
    return switch (value.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "", "true" -> true;
      case "false" -> false;
      default ->
          throw invalid(
              text,
              name + "=" + value + " is neither true nor false. Hint: write " + name + "=true");
    };
  }

  private static String unknown(String name) {
    String hint =
        ClosestName.of(name, OWN)
            .map(closest -> "Hint: did you mean '" + closest + "'?")
            .orElse("Hint: pgisolate's parameters are " + String.join(", ", OWN) + ".");
    return "unknown parameter '"
        + name
        + "': neither pgisolate's nor a pgjdbc property (names are case-sensitive). "
        + hint;
  }

  private static String decode(String text, String value) throws SQLException {
    try {
      return URLDecoder.decode(value, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid(text, e.getMessage() + ". Hint: encode % as %25");
    }
  }

  private static SQLException invalid(String text, String why) {
    return new SQLException(
        "invalid URL " + PgServer.redacted(text) + ": " + why + (why.endsWith("?") ? "" : "."),
        UrlDatabases.CANNOT_CONNECT);
  }
}
