package io.pgisolate.proxy.transactional;

import io.pgisolate.sql.SqlStatements.Statement;
import io.pgisolate.sql.SqlStatements.Token;
import java.util.List;
import java.util.Locale;

/**
 * What one client statement means to the shared transaction: the transaction commands the proxy
 * rewrites, the test commands it executes itself, the statements it refuses, and the session
 * settings it keeps per client. Everything else is {@link Kind#OTHER} and runs as written.
 *
 * @param tag the command tag PostgreSQL answers a BEGIN with (BEGIN or START TRANSACTION)
 * @param chain AND CHAIN was given (COMMIT, ROLLBACK)
 * @param detail the isolation level asked for (BEGIN, SET TRANSACTION), the test name (BEGIN TEST,
 *     ROLLBACK TEST), or why a statement is refused or malformed
 * @param endsWithConnection BEGIN TEST ... ON DISCONNECT ROLLBACK: the test is rolled back when the
 *     connection that began it closes
 */
record Command(
    Kind kind,
    boolean chain,
    boolean readOnly,
    String detail,
    String tag,
    boolean endsWithConnection) {
  enum Kind {
    BEGIN,
    COMMIT,
    ROLLBACK,
    SAVEPOINT,
    RELEASE,
    ROLLBACK_TO,
    BEGIN_TEST,
    ROLLBACK_TEST,
    /** BEGIN TEST or ROLLBACK TEST followed by words they do not take: a syntax error. */
    MALFORMED_TEST_COMMAND,
    /** SET TRANSACTION ...: checked against the shared transaction's characteristics. */
    SET_TRANSACTION,
    /** SET LOCAL: lasts until the client's transaction ends, which the proxy has to undo. */
    SET_LOCAL,
    /** SET, RESET, SET ROLE ...: a session setting the proxy replays for this client. */
    SET_SESSION,
    /** Refused in a test, whatever the client's state (two-phase commit, LISTEN, ...). */
    REFUSED,
    /**
     * Refused in a test or not: it would end or reset the one server session every client shares (a
     * session timeout, pg_terminate_backend of it, DISCARD, DEALLOCATE ALL).
     */
    REFUSED_FOR_EVERY_CLIENT,
    /** Cannot run inside a transaction block (VACUUM, CREATE DATABASE, ...). */
    NO_TRANSACTION_BLOCK,
    OTHER
  }

  static final Command OTHER = new Command(Kind.OTHER, false, false, null, null);

  Command(Kind kind, boolean chain, boolean readOnly, String detail, String tag) {
    this(kind, chain, readOnly, detail, tag, false);
  }

  /** BEGIN TEST or ROLLBACK TEST, well-formed or not: not SQL, carried out by the proxy. */
  boolean isTestCommand() {
    return kind == Kind.BEGIN_TEST
        || kind == Kind.ROLLBACK_TEST
        || kind == Kind.MALFORMED_TEST_COMMAND;
  }

  boolean isListen() {
    return kind == Kind.REFUSED && detail.startsWith("LISTEN");
  }

  /**
   * The settings after which the server ends a session that sits idle, or in a transaction, too
   * long: the shared session does both between its clients' turns and through a test, so one
   * client's setting would end the session, and the test, of every client.
   */
  static final java.util.Set<String> SESSION_ENDING_SETTINGS =
      java.util.Set.of(
          "IDLE_IN_TRANSACTION_SESSION_TIMEOUT", "IDLE_SESSION_TIMEOUT", "TRANSACTION_TIMEOUT");

  /** Refused whether a test is open or not: see {@link Kind#REFUSED_FOR_EVERY_CLIENT}. */
  boolean refusedOutsideTestsToo() {
    return kind == Kind.REFUSED_FOR_EVERY_CLIENT;
  }

  /** The leading keywords that make a statement more than {@link Kind#OTHER}. */
  private static final java.util.Set<String> KEYWORDS =
      java.util.Set.of(
          "BEGIN",
          "START",
          "COMMIT",
          "END",
          "ABORT",
          "ROLLBACK",
          "SAVEPOINT",
          "RELEASE",
          "PREPARE",
          "LISTEN",
          "SET",
          "RESET",
          "DISCARD",
          "DEALLOCATE",
          "VACUUM",
          "CLUSTER",
          "REINDEX",
          "CREATE",
          "DROP",
          "ALTER");

  static Command classify(Statement statement) {
    Command endsSession = sessionEndingCall(statement);
    if (endsSession != null) {
      return endsSession;
    }
    // Most statements are decided by their first word alone: tokenise further only when needed.
    List<Token> firstToken = statement.tokens(1);
    if (firstToken.isEmpty() || !KEYWORDS.contains(firstToken.get(0).word())) {
      return OTHER;
    }
    List<Token> t = statement.tokens(24);
    String first = t.get(0).word();
    String second = word(t, 1);
    switch (first) {
      case "BEGIN":
        if (second.equals("TEST")) {
          return test(Kind.BEGIN_TEST, t);
        }
        return begin(t, second.equals("WORK") || second.equals("TRANSACTION") ? 2 : 1, "BEGIN");
      case "START":
        return second.equals("TRANSACTION") ? begin(t, 2, "START TRANSACTION") : OTHER;
      case "COMMIT":
      case "END":
        if (second.equals("PREPARED")) {
          return refused("COMMIT PREPARED (two-phase commit) cannot be part of a test");
        }
        return end(Kind.COMMIT, t);
      case "ABORT":
        return end(Kind.ROLLBACK, t);
      case "ROLLBACK":
        if (second.equals("TEST")) {
          return test(Kind.ROLLBACK_TEST, t);
        }
        if (second.equals("PREPARED")) {
          return refused("ROLLBACK PREPARED (two-phase commit) cannot be part of a test");
        }
        int afterNoise = second.equals("WORK") || second.equals("TRANSACTION") ? 2 : 1;
        if (word(t, afterNoise).equals("TO")) {
          return new Command(
              Kind.ROLLBACK_TO, false, false, savepointName(t, afterNoise + 1), null);
        }
        return end(Kind.ROLLBACK, t);
      case "SAVEPOINT":
        return new Command(Kind.SAVEPOINT, false, false, savepointName(t, 1), null);
      case "RELEASE":
        return new Command(Kind.RELEASE, false, false, savepointName(t, 1), null);
      case "PREPARE":
        return second.equals("TRANSACTION")
            ? refused("PREPARE TRANSACTION (two-phase commit) cannot be part of a test")
            : OTHER;
      case "LISTEN":
        return refused(
            "LISTEN cannot be used in a test: notifications are delivered at commit, and the"
                + " shared test transaction never commits");
      case "SET":
        return set(t);
      case "RESET":
        return new Command(Kind.SET_SESSION, false, false, null, null);
      case "DISCARD":
        // Connection pools send DISCARD ALL when a connection is handed back: it would drop every
        // client's prepared statements, temporary tables and advisory locks.
        return refusedForEveryClient(
            "DISCARD " + second + " would affect every client: they all share one server session");
      case "DEALLOCATE":
        return word(t, second.equals("PREPARE") ? 2 : 1).equals("ALL")
            ? refusedForEveryClient(
                "DEALLOCATE ALL would affect every client: it would remove the prepared statements"
                    + " of every client of the one server session they share")
            : OTHER;
      case "VACUUM":
        return noTransactionBlock("VACUUM");
      case "CLUSTER":
        return t.size() == 1 || second.equals("VERBOSE") && t.size() == 2
            ? noTransactionBlock("CLUSTER")
            : OTHER;
      case "REINDEX":
        return containsWord(t, "CONCURRENTLY") || second.equals("SYSTEM")
            ? noTransactionBlock("REINDEX " + (second.equals("SYSTEM") ? "SYSTEM" : "CONCURRENTLY"))
            : OTHER;
      case "CREATE":
      case "DROP":
      case "ALTER":
        return ddl(first, t);
      default:
        return OTHER;
    }
  }

  /** The most tokens looked at for a call that ends the shared session. */
  private static final int CALL_SCAN_TOKENS = 4096;

  /**
   * A call, in the statement's own text, that ends the shared session: {@code set_config()} of one
   * of the {@link #SESSION_ENDING_SETTINGS} (named by a literal; for the transaction too, which in
   * a test lasts as long as the test) or {@code pg_terminate_backend(pg_backend_pid())}; null for
   * any other statement. Calls hidden from the text (a bind parameter for the name, dynamic SQL, a
   * function body) are not seen: the proxy then notices that the session closed, and its clients
   * are told (TransactionalBackend).
   */
  private static Command sessionEndingCall(Statement statement) {
    // A plain scan first: tokenising every statement would cost every client.
    if (!mentions(statement, "set_config", "pg_terminate_backend")) {
      return null;
    }
    List<Token> t = statement.tokens(CALL_SCAN_TOKENS);
    for (int i = 0; i + 2 < t.size(); i++) {
      if (!t.get(i + 1).raw().equals("(")) {
        continue;
      }
      if (t.get(i).is("SET_CONFIG")) {
        String setting = t.get(i + 2).stringValue();
        if (setting != null && SESSION_ENDING_SETTINGS.contains(setting.toUpperCase(Locale.ROOT))) {
          return refusedForEveryClient(
              "set_config('"
                  + setting.toLowerCase(Locale.ROOT)
                  + "', …) cannot be used through the transactional proxy: it would end the"
                  + " session every client shares, and the test open in it, once that session"
                  + " sits idle");
        }
      } else if (t.get(i).is("PG_TERMINATE_BACKEND") && callsBackendPid(t, i + 2)) {
        return refusedForEveryClient(
            "pg_terminate_backend(pg_backend_pid()) cannot be used through the transactional"
                + " proxy: it would end the session every client shares, and the test open in it");
      }
    }
    return null;
  }

  /** {@code [pg_catalog.]pg_backend_pid()} at {@code at}. */
  private static boolean callsBackendPid(List<Token> t, int at) {
    if (word(t, at).equals("PG_CATALOG") && at + 1 < t.size() && t.get(at + 1).raw().equals(".")) {
      at += 2;
    }
    return word(t, at).equals("PG_BACKEND_PID")
        && at + 2 < t.size()
        && t.get(at + 1).raw().equals("(")
        && t.get(at + 2).raw().equals(")");
  }

  /**
   * Whether the statement's text contains {@code a} or {@code b} in any case: a cheap first look,
   * one pass over the text.
   */
  private static boolean mentions(Statement statement, String a, String b) {
    String text = statement.text();
    for (int i = statement.start(); i < statement.end(); i++) {
      char c = Character.toLowerCase(text.charAt(i));
      if (c == a.charAt(0) && matchesAt(statement, i, a)
          || c == b.charAt(0) && matchesAt(statement, i, b)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matchesAt(Statement statement, int i, String name) {
    return i + name.length() <= statement.end()
        && statement.text().regionMatches(true, i, name, 0, name.length());
  }

  private static Command begin(List<Token> t, int modesAt, String tag) {
    String level = isolationLevel(t, modesAt);
    boolean readOnly = false;
    for (int i = modesAt; i + 1 < t.size(); i++) {
      if (t.get(i).is("READ") && t.get(i + 1).is("ONLY")) {
        readOnly = true;
      }
    }
    return new Command(Kind.BEGIN, false, readOnly, level, tag);
  }

  /** ISOLATION LEVEL x [y] among the tokens, normalised ("READ COMMITTED"), or null. */
  private static String isolationLevel(List<Token> t, int from) {
    for (int i = from; i + 2 < t.size(); i++) {
      if (t.get(i).is("ISOLATION") && t.get(i + 1).is("LEVEL")) {
        String level = t.get(i + 2).word();
        if (level.equals("READ") || level.equals("REPEATABLE")) {
          level = level + " " + word(t, i + 3);
        }
        return level;
      }
    }
    return null;
  }

  private static Command end(Kind kind, List<Token> t) {
    boolean chain = false;
    for (int i = 1; i + 1 < t.size(); i++) {
      if (t.get(i).is("AND")) {
        chain = t.get(i + 1).is("CHAIN");
      }
    }
    return new Command(kind, chain, false, null, null);
  }

  /**
   * {@code BEGIN TEST [name] [ON DISCONNECT ROLLBACK]} or {@code ROLLBACK TEST [name]}; the name is
   * a string literal or a word. Anything else after them is a syntax error rather than ignored, so
   * that a misspelt clause does not silently leave a test open.
   */
  private static Command test(Kind kind, List<Token> t) {
    boolean begin = kind == Kind.BEGIN_TEST;
    int at = 2;
    String name = "";
    if (at < t.size() && !(begin && onDisconnectRollback(t, at))) {
      Token token = t.get(at++);
      name = token.stringValue() != null ? token.stringValue() : token.raw();
    }
    boolean endsWithConnection = begin && onDisconnectRollback(t, at);
    if (endsWithConnection) {
      at += 3;
    }
    if (at < t.size()) {
      String command = begin ? "BEGIN TEST" : "ROLLBACK TEST";
      return new Command(
          Kind.MALFORMED_TEST_COMMAND,
          false,
          false,
          "syntax error at or near \""
              + t.get(at).raw()
              + "\" in "
              + command
              + ": it takes "
              + (begin ? "a test name and ON DISCONNECT ROLLBACK, both optional" : "a test name"),
          command);
    }
    return new Command(kind, false, false, name, null, endsWithConnection);
  }

  private static boolean onDisconnectRollback(List<Token> t, int at) {
    return word(t, at).equals("ON")
        && word(t, at + 1).equals("DISCONNECT")
        && word(t, at + 2).equals("ROLLBACK");
  }

  private static Command set(List<Token> t) {
    String second = word(t, 1);
    String setting = second.equals("LOCAL") || second.equals("SESSION") ? word(t, 2) : second;
    if (SESSION_ENDING_SETTINGS.contains(setting)) {
      return refusedForEveryClient(
          "SET "
              + setting.toLowerCase(Locale.ROOT)
              + " cannot be used through the transactional proxy: it would end the session every"
              + " client shares, and the test open in it, once that session sits idle");
    }
    if (second.equals("LOCAL")) {
      return new Command(Kind.SET_LOCAL, false, false, null, null);
    }
    if (second.equals("TRANSACTION")) {
      boolean readOnly = false;
      for (int i = 2; i + 1 < t.size(); i++) {
        readOnly |= t.get(i).is("READ") && t.get(i + 1).is("ONLY");
      }
      return new Command(Kind.SET_TRANSACTION, false, readOnly, isolationLevel(t, 2), null);
    }
    if (second.equals("SESSION") && word(t, 2).equals("CHARACTERISTICS")) {
      return refused(
          "SET SESSION CHARACTERISTICS cannot be used in a test: the client's transactions are"
              + " savepoints of the shared transaction, which has its own characteristics");
    }
    if (second.equals("CONSTRAINTS")) {
      return OTHER;
    }
    String name = second.equals("SESSION") ? word(t, 2) : second;
    if (name.equals("DEFAULT_TRANSACTION_ISOLATION")
        || name.equals("DEFAULT_TRANSACTION_READ_ONLY")
        || name.equals("TRANSACTION_ISOLATION")
        || name.equals("TRANSACTION_READ_ONLY")) {
      return refused(
          "SET "
              + name.toLowerCase(Locale.ROOT)
              + " cannot be used in a test: the client's transactions are savepoints of the shared"
              + " transaction, which has its own characteristics");
    }
    return new Command(Kind.SET_SESSION, false, false, null, null);
  }

  private static Command ddl(String verb, List<Token> t) {
    String object = word(t, 1);
    if (object.equals("DATABASE") && !verb.equals("ALTER")) {
      return noTransactionBlock(verb + " DATABASE");
    }
    if (object.equals("TABLESPACE") && !verb.equals("ALTER")) {
      return noTransactionBlock(verb + " TABLESPACE");
    }
    if (verb.equals("ALTER") && object.equals("SYSTEM")) {
      return noTransactionBlock("ALTER SYSTEM");
    }
    if (object.equals("SUBSCRIPTION")) {
      return noTransactionBlock(verb + " SUBSCRIPTION");
    }
    boolean index = object.equals("INDEX") || word(t, 2).equals("INDEX");
    if (index && containsWord(t, "CONCURRENTLY")) {
      return noTransactionBlock(verb + " INDEX CONCURRENTLY");
    }
    return OTHER;
  }

  private static Command refused(String why) {
    return new Command(Kind.REFUSED, false, false, why, null);
  }

  private static Command refusedForEveryClient(String why) {
    return new Command(Kind.REFUSED_FOR_EVERY_CLIENT, false, false, why, null);
  }

  private static Command noTransactionBlock(String what) {
    return new Command(Kind.NO_TRANSACTION_BLOCK, false, false, what, null);
  }

  /**
   * The savepoint name at {@code i}, after an optional SAVEPOINT keyword ({@code RELEASE SAVEPOINT
   * a}, {@code ROLLBACK TO a}), as the server folds it; empty when there is none.
   */
  private static String savepointName(List<Token> t, int i) {
    int at = word(t, i).equals("SAVEPOINT") && i + 1 < t.size() ? i + 1 : i;
    return at < t.size() ? t.get(at).identifier() : "";
  }

  private static String word(List<Token> t, int i) {
    return i < t.size() ? t.get(i).word() : "";
  }

  private static boolean containsWord(List<Token> t, String word) {
    return t.stream().anyMatch(token -> token.is(word));
  }
}
