package io.pgisolate.proxy.transactional;

import io.pgisolate.sql.Sql;
import io.pgisolate.sql.SqlStatements;
import io.pgisolate.sql.SqlStatements.Token;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A client's session settings, as statements the proxy replays on the shared session before the
 * client's turn: first its start-up parameters, then the SET statements it ran since, the last per
 * parameter. Immutable; equal settings need no replay.
 */
final class ClientSettings {
  private static final List<String> NOT_SETTINGS = List.of("user", "database", "replication");

  private final Map<String, String> startup;
  private final Map<String, String> session;
  private final List<String> statements;

  private ClientSettings(Map<String, String> startup, Map<String, String> session) {
    this.startup = startup;
    this.session = session;
    List<String> all = new ArrayList<>(startup.values());
    all.addAll(session.values());
    this.statements = List.copyOf(all);
  }

  /** The settings a client's StartupMessage asks for, "options" ({@code -c name=value}) too. */
  static ClientSettings fromStartup(Map<String, String> parameters) {
    Map<String, String> startup = new LinkedHashMap<>();
    parameters.forEach(
        (name, value) -> {
          if (name.equals("options")) {
            Options.parse(value).forEach((n, v) -> put(startup, n, v));
          } else if (!NOT_SETTINGS.contains(name)) {
            put(startup, name, value);
          }
        });
    return new ClientSettings(Collections.unmodifiableMap(startup), Map.of());
  }

  private static void put(Map<String, String> startup, String name, String value) {
    if (Command.SESSION_ENDING_SETTINGS.contains(name.toUpperCase(Locale.ROOT))) {
      // Replayed, it would end the shared session once it sits idle (see Command): a pool that
      // guards its connections with it does not get to end everyone's test.
      return;
    }
    startup.put(key(name), setConfig(name, value));
  }

  private static String setConfig(String name, String value) {
    return "SELECT pg_catalog.set_config("
        + Sql.literal(name)
        + ", "
        + Sql.literal(value)
        + ", false)";
  }

  /** After {@code statement} (a SET or RESET that succeeded and was committed). */
  ClientSettings with(String statement) {
    List<Token> tokens = SqlStatements.split(statement).get(0).tokens(12);
    if (tokens.size() >= 2 && tokens.get(0).is("RESET") && tokens.get(1).is("ALL")) {
      return new ClientSettings(startup, Map.of());
    }
    String key = parameter(tokens);
    Map<String, String> next = new LinkedHashMap<>(session);
    next.remove(key);
    if (tokens.get(0).is("RESET") && startup.containsKey(key)) {
      // RESET goes back to the value the client started with, which the server does not know.
      next.put(key, startup.get(key));
    } else {
      next.put(key, statement);
    }
    return new ClientSettings(startup, Collections.unmodifiableMap(next));
  }

  /** The statements that give a fresh session (after RESET ALL) these settings. */
  List<String> statements() {
    return statements;
  }

  /** The parameter a SET or RESET statement is about, as a lower-case key. */
  private static String parameter(List<Token> tokens) {
    int i = 1;
    if (i < tokens.size() && tokens.get(i).is("SESSION") && tokens.size() > 2) {
      if (tokens.get(2).is("AUTHORIZATION")) {
        return "session_authorization";
      }
      i = 2;
    }
    if (i >= tokens.size()) {
      return "";
    }
    switch (tokens.get(i).word()) {
      case "TIME":
        return "timezone";
      case "NAMES":
        return "client_encoding";
      case "SCHEMA":
        return "search_path";
      case "XML":
        return "xmloption";
      default:
        StringBuilder name = new StringBuilder();
        for (int j = i; j < tokens.size(); j++) {
          Token token = tokens.get(j);
          if (token.is("TO") || token.raw().equals("=")) {
            break;
          }
          name.append(token.identifier());
        }
        return key(name.toString());
    }
  }

  private static String key(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  @Override
  public boolean equals(Object o) {
    // Compared before every unit of work: most clients of one application have equal settings.
    return o == this || o instanceof ClientSettings other && statements.equals(other.statements);
  }

  @Override
  public int hashCode() {
    return statements.hashCode();
  }

  @Override
  public String toString() {
    return "ClientSettings" + statements();
  }

  /** The {@code options} start-up parameter: command-line switches for the server. */
  static final class Options {
    private Options() {}

    /**
     * {@code -c name=value} and {@code --name=value} pairs; words are separated by blanks, and a
     * backslash takes the next character literally (libpq's PGOPTIONS syntax).
     */
    static Map<String, String> parse(String options) {
      List<String> words = new ArrayList<>();
      StringBuilder word = new StringBuilder();
      for (int i = 0; i < options.length(); i++) {
        char c = options.charAt(i);
        if (c == '\\' && i + 1 < options.length()) {
          word.append(options.charAt(++i));
        } else if (Character.isWhitespace(c)) {
          if (word.length() > 0) {
            words.add(word.toString());
            word.setLength(0);
          }
        } else {
          word.append(c);
        }
      }
      if (word.length() > 0) {
        words.add(word.toString());
      }
      Map<String, String> settings = new LinkedHashMap<>();
      for (int i = 0; i < words.size(); i++) {
        String w = words.get(i);
        String pair = null;
        if (w.equals("-c") && i + 1 < words.size()) {
          pair = words.get(++i);
        } else if (w.startsWith("-c")) {
          pair = w.substring(2);
        } else if (w.startsWith("--")) {
          pair = w.substring(2);
        }
        int eq = pair == null ? -1 : pair.indexOf('=');
        if (eq > 0) {
          settings.put(pair.substring(0, eq).replace('-', '_'), pair.substring(eq + 1));
        }
      }
      return settings;
    }
  }
}
