package io.pgisolate.proxy.transactional;

import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.backend.CommandComplete;
import io.pgisolate.proxy.transactional.TxState.Block;
import java.util.List;
import java.util.function.Consumer;

/**
 * What PostgreSQL does with a transaction command (PostgreSQL's xact.c, BeginTransactionBlock,
 * EndTransactionBlock, UserAbortTransactionBlock and friends), rewritten for a client whose
 * transaction is a savepoint of the shared test transaction: BEGIN becomes SAVEPOINT, COMMIT
 * RELEASE, ROLLBACK ROLLBACK TO; tags, warnings and errors are PostgreSQL's own.
 *
 * <p>Each rule applies its state change to the planned state at once (later statements of the same
 * batch are planned against it) and hands the same change to the {@link Emitter}, to be applied to
 * the confirmed state when the server has answered.
 */
final class TransactionRules {

  /** How a rule's decisions reach the server and the client, in one protocol or the other. */
  interface Emitter {
    /** Runs the proxy's own statements; {@code effect} when the last one succeeded. */
    void sql(Consumer<TxState> effect, String... statements);

    /** Sends the client messages of the proxy's making, in order with the server's answers. */
    void out(List<BackendMessage> messages, Consumer<TxState> effect);

    /** Fails the client's statement with this error, raised by the server. */
    default void raise(String sqlState, String message, String hint) {
      check(Errors.raise(sqlState, message, hint));
    }

    /**
     * Runs the proxy's own statement on the client's behalf: its error is the client's statement's
     * error (without the context of the proxy's DO block).
     */
    void check(String sql);

    /** Runs the client's statement as it is. */
    void passthrough(Consumer<TxState> effect);

    /**
     * The statement is not part of an implicit transaction block of several statements (it is the
     * only one of its query, or it came through the extended protocol).
     */
    boolean alone();
  }

  /** What the rules need from the session beyond the client's state. */
  interface Context {
    /**
     * The savepoint the shared transaction is always inside while a test is open (quoted): the work
     * of the client whose statements are running collects in it, until it is released (kept) or
     * rolled back to (undone), after which it is opened again, empty.
     */
    String savepoint();

    /** The isolation level of the shared transaction ("READ COMMITTED"). */
    String isolation();

    /** The open test's name, or null. */
    String test();

    /**
     * This client began a test: the shared session is in it from now on.
     *
     * @param endsWithConnection it is rolled back when this client's connection closes
     */
    void testBegan(String name, boolean endsWithConnection);

    /**
     * What became of test {@code name} (or, when empty, any test) if it was lost with the shared
     * session before a ROLLBACK TEST: said once; null otherwise.
     */
    String takeLostTest(String name);

    /** The test was ended by this client: the shared session is outside a test from now on. */
    void testEnded();

    /** Settings changed by SET LOCAL outlived the client's transaction: replay before next use. */
    void settingsChanged();

    /** The client's session settings after {@code pending} committed. */
    void commitSettings(List<String> pending);
  }

  /**
   * Fires the deferred constraint checks of the client's transaction, then puts the constraints
   * that are INITIALLY DEFERRED back to deferred, so that the shared transaction's constraint modes
   * are their defaults again (there is no SQL to say "back to the defaults").
   */
  static final String CHECK_DEFERRED_CONSTRAINTS =
      "DO $pgisolate$DECLARE deferred text; BEGIN"
          + " IF EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE condeferrable) THEN"
          + " SET CONSTRAINTS ALL IMMEDIATE;"
          + " SELECT string_agg(format('%I.%I', n.nspname, c.conname), ',') INTO deferred"
          + " FROM pg_catalog.pg_constraint c"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace WHERE c.condeferred;"
          + " IF deferred IS NOT NULL THEN"
          + " EXECUTE 'SET CONSTRAINTS ' || deferred || ' DEFERRED'; END IF;"
          + " END IF; END$pgisolate$";

  private final Context context;

  TransactionRules(Context context) {
    this.context = context;
  }

  /** Plans {@code command} (its text: {@code sql}) for a client in a test, at state {@code s}. */
  void apply(Command command, String sql, TxState s, Emitter emit) {
    if (s.block == Block.FAILED && !exitsTransaction(command)) {
      // PostgreSQL refuses everything but COMMIT and ROLLBACK in a failed transaction (25P02),
      // and the server, whose savepoint failed with it, says so itself.
      emit.passthrough(null);
      return;
    }
    // Whatever an idle client runs, errors included, runs in its implicit transaction: a savepoint
    // that undoes it alone when it fails.
    openSavepoint(s, emit);
    String x = context.savepoint();
    switch (command.kind()) {
      case BEGIN -> begin(command, s, emit);
      case COMMIT -> commit(command, s, emit, x);
      case ROLLBACK -> rollback(command, s, emit, x);
      case SAVEPOINT, RELEASE, ROLLBACK_TO -> {
        if (s.block == Block.IDLE) {
          emit.raise(
              Errors.NO_ACTIVE_SQL_TRANSACTION,
              savepointCommand(command) + " can only be used in transaction blocks",
              null);
        } else {
          String name = command.detail();
          Consumer<TxState> effect =
              switch (command.kind()) {
                case ROLLBACK_TO ->
                    t -> {
                      t.block = Block.IN_TX;
                      t.rolledBackTo(name);
                    };
                case RELEASE -> counted().andThen(t -> t.released(name));
                default -> counted().andThen(t -> t.savepoint(name));
              };
          effect.accept(s);
          emit.passthrough(effect);
        }
      }
      case SET_TRANSACTION -> setTransaction(command, s, emit);
      case SET_LOCAL -> {
        if (s.block == Block.IDLE && emit.alone()) {
          // Outside a transaction block PostgreSQL warns, and the setting ends with the
          // statement's own transaction; the savepoint's RELEASE would keep it, so the settings
          // are replayed before the next statement.
          emit.out(
              List.of(
                  Errors.warning(
                      Errors.NO_ACTIVE_SQL_TRANSACTION,
                      "SET LOCAL can only be used in transaction blocks")),
              null);
        }
        Consumer<TxState> effect = t -> t.localSettings = true;
        effect.accept(s);
        emit.passthrough(effect);
      }
      case SET_SESSION -> {
        Consumer<TxState> effect =
            t -> {
              t.pendingSettings.add(sql);
              t.statements++;
            };
        openSavepoint(s, emit);
        effect.accept(s);
        emit.passthrough(effect);
      }
      case REFUSED, REFUSED_FOR_EVERY_CLIENT ->
          emit.raise(
              Errors.FEATURE_NOT_SUPPORTED,
              command.detail(),
              "pgisolate's transactional proxy runs every client inside one test transaction;"
                  + " use a direct connection or the plain proxy for this");
      case NO_TRANSACTION_BLOCK -> {
        if (s.block == Block.IDLE) {
          emit.raise(
              Errors.ACTIVE_SQL_TRANSACTION,
              command.detail() + " cannot run inside the shared test transaction",
              "run it before BEGIN TEST or after ROLLBACK TEST");
        } else {
          // Inside a client transaction PostgreSQL's own error is exactly right.
          emit.passthrough(null);
        }
      }
      case BEGIN_TEST ->
          emit.raise(
              Errors.ACTIVE_SQL_TRANSACTION,
              "test " + quoted(context.test()) + " is already open",
              "end it with ROLLBACK TEST first");
      case ROLLBACK_TEST -> rollbackTest(command, s, emit);
      case MALFORMED_TEST_COMMAND -> malformed(command, emit);
      case OTHER -> {
        openSavepoint(s, emit);
        Consumer<TxState> effect = counted();
        effect.accept(s);
        emit.passthrough(effect);
      }
      default -> throw new IllegalStateException("no rule for " + command);
    }
  }

  /**
   * Outside a test everything runs as written but BEGIN TEST, ROLLBACK TEST and LISTEN.
   *
   * @param serverStatus the shared session's transaction status ('I' idle)
   */
  void outsideTest(Command command, char serverStatus, Emitter emit) {
    switch (command.kind()) {
      case BEGIN_TEST -> {
        if (serverStatus != 'I') {
          emit.raise(
              Errors.ACTIVE_SQL_TRANSACTION,
              "BEGIN TEST cannot run inside a transaction",
              "end the transaction with COMMIT or ROLLBACK first");
          return;
        }
        String name = command.detail();
        emit.sql(
            t -> context.testBegan(name, command.endsWithConnection()),
            "BEGIN ISOLATION LEVEL "
                + context.isolation()
                + " /* pgisolate: test "
                + Comments.safe(name)
                + " */",
            "SAVEPOINT " + context.savepoint());
        emit.out(List.of(new CommandComplete("BEGIN")), null);
      }
      case ROLLBACK_TEST -> {
        String lost = context.takeLostTest(command.detail());
        if (lost != null) {
          emit.raise(
              Errors.NO_ACTIVE_SQL_TRANSACTION,
              lost,
              "the backend was stopped or restarted, or ended the session (a session timeout,"
                  + " pg_terminate_backend); run the test again");
        } else {
          emit.raise(
              Errors.NO_ACTIVE_SQL_TRANSACTION, "no test is open", "BEGIN TEST 'name' opens one");
        }
      }
      case MALFORMED_TEST_COMMAND -> malformed(command, emit);
      default ->
          emit.raise(
              Errors.FEATURE_NOT_SUPPORTED,
              command.detail(),
              "the transactional proxy shares one server session among all clients; use the plain"
                  + " proxy for "
                  + (command.isListen() ? "notifications" : "this"));
    }
  }

  /**
   * Outside a test the client's statements run as written and its transaction is the server's own;
   * what the proxy follows of it, to apply once {@code command} (its text: {@code sql}) succeeded:
   * the SETs made in it, with the savepoints that may undo some, which are the client's once it
   * commits. Null for a command that changes none of that. The statements of an implicit
   * transaction (outside a block) are followed the same way, and kept at its end (see
   * ClientSession#ownTransactionAnswered).
   */
  Consumer<TxState> followedOutsideTest(Command command, String sql) {
    return switch (command.kind()) {
      case SET_SESSION -> t -> t.pendingSettings.add(sql);
      case BEGIN -> t -> t.block = Block.IN_TX;
      case SAVEPOINT -> t -> t.savepoint(command.detail());
      case RELEASE -> t -> t.released(command.detail());
      case ROLLBACK_TO ->
          t -> {
            t.block = Block.IN_TX;
            t.rolledBackTo(command.detail());
          };
      case COMMIT ->
          t -> {
            // COMMIT of a failed transaction succeeds, and rolls it back.
            if (t.block != Block.FAILED && !t.pendingSettings.isEmpty()) {
              context.commitSettings(List.copyOf(t.pendingSettings));
            }
            t.ended(command.chain());
          };
      case ROLLBACK -> t -> t.ended(command.chain());
      default -> null;
    };
  }

  /** What runs before a client's first statement when it is idle: its implicit transaction. */
  void openSavepoint(TxState s, Emitter emit) {
    if (s.block == Block.IDLE && !s.savepointOpen) {
      // The savepoint is there already, empty: from now on it holds this client's work.
      Consumer<TxState> open = t -> t.savepointOpen = true;
      open.accept(s);
      emit.out(List.of(), open);
    }
  }

  /**
   * Ends the implicit transaction of an idle client's statements that all succeeded: releasing the
   * savepoint keeps their work in the shared transaction.
   */
  void closeImplicit(TxState s, Emitter emit) {
    if (s.block == Block.IDLE && s.savepointOpen) {
      Consumer<TxState> release = this::committed;
      release.accept(s);
      emit.sql(release, "RELEASE " + context.savepoint(), "SAVEPOINT " + context.savepoint());
    }
  }

  /**
   * As {@link #closeImplicit}, but for the proxy to append to the client's own query: the RELEASE
   * to append (or null when there is no implicit transaction), with the change applied to {@code
   * s}; {@link #implicitCommitted} is the change to apply when the query succeeded.
   */
  String closeImplicitInline(TxState s) {
    if (s.block == Block.IDLE && s.savepointOpen) {
      committed(s);
      return "RELEASE " + context.savepoint() + ";SAVEPOINT " + context.savepoint();
    }
    return null;
  }

  Consumer<TxState> implicitCommitted() {
    return this::committed;
  }

  private void begin(Command command, TxState s, Emitter emit) {
    if (s.block == Block.IN_TX) {
      emit.out(
          List.of(
              Errors.warning(
                  Errors.ACTIVE_SQL_TRANSACTION, "there is already a transaction in progress"),
              new CommandComplete(command.tag())),
          null);
      return;
    }
    if (!sameIsolation(command.detail())) {
      refuseIsolation(command.detail(), emit);
      return;
    }
    openSavepoint(s, emit);
    if (command.readOnly()) {
      emit.sql(null, "SET TRANSACTION READ ONLY");
    }
    Consumer<TxState> begin =
        t -> {
          t.block = Block.IN_TX;
          t.readOnly = command.readOnly();
          t.statements = 0;
        };
    begin.accept(s);
    emit.out(List.of(new CommandComplete(command.tag())), begin);
  }

  private void commit(Command command, TxState s, Emitter emit, String x) {
    switch (s.block) {
      case IDLE -> {
        if (command.chain()) {
          emit.raise(
              Errors.NO_ACTIVE_SQL_TRANSACTION,
              "COMMIT AND CHAIN can only be used in transaction blocks",
              null);
          return;
        }
        // Commits what the implicit transaction did so far, and goes on in a new one.
        openSavepoint(s, emit);
        Consumer<TxState> commit = t -> committedKeepingSavepoint(t);
        commit.accept(s);
        emit.sql(commit, "RELEASE " + x, "SAVEPOINT " + x);
        emit.out(List.of(noTransactionWarning(), new CommandComplete("COMMIT")), null);
      }
      case IN_TX -> {
        boolean readOnly = s.readOnly;
        if (!readOnly) {
          // PostgreSQL checks deferred constraints at COMMIT; RELEASE does not. If the check
          // fails, the COMMIT fails and the transaction is over, rolled back.
          Consumer<TxState> committing = t -> t.committing = true;
          committing.accept(s);
          emit.out(List.of(), committing);
          emit.check(CHECK_DEFERRED_CONSTRAINTS);
        }
        Consumer<TxState> commit = this::committed;
        commit.accept(s);
        if (readOnly) {
          // Nothing to keep, and rolling back also undoes the read-only setting.
          emit.sql(commit, "ROLLBACK TO " + x);
        } else {
          emit.sql(commit, "RELEASE " + x, "SAVEPOINT " + x);
        }
        if (command.chain()) {
          chain(readOnly, s, emit, x);
        }
        emit.out(List.of(new CommandComplete("COMMIT")), null);
      }
      case FAILED -> {
        // COMMIT of a failed transaction rolls back, and says so.
        rolledBack(command.chain(), s, emit, x);
        emit.out(List.of(new CommandComplete("ROLLBACK")), null);
      }
    }
  }

  private void rollback(Command command, TxState s, Emitter emit, String x) {
    if (s.block == Block.IDLE) {
      if (command.chain()) {
        emit.raise(
            Errors.NO_ACTIVE_SQL_TRANSACTION,
            "ROLLBACK AND CHAIN can only be used in transaction blocks",
            null);
        return;
      }
      // Aborts what the implicit transaction did so far, and goes on in a new one.
      openSavepoint(s, emit);
      Consumer<TxState> abort = t -> t.pendingSettings.clear();
      abort.accept(s);
      emit.sql(abort, "ROLLBACK TO " + x);
      emit.out(List.of(noTransactionWarning(), new CommandComplete("ROLLBACK")), null);
      return;
    }
    rolledBack(command.chain(), s, emit, x);
    emit.out(List.of(new CommandComplete("ROLLBACK")), null);
  }

  private void rolledBack(boolean chain, TxState s, Emitter emit, String x) {
    boolean readOnly = s.readOnly;
    if (chain) {
      // ROLLBACK TO keeps the savepoint: the new transaction starts in it at once.
      Consumer<TxState> restart =
          t -> {
            t.block = Block.IN_TX;
            t.statements = 0;
            t.pendingSettings.clear();
          };
      restart.accept(s);
      emit.sql(restart, "ROLLBACK TO " + x);
      if (readOnly) {
        emit.sql(null, "SET TRANSACTION READ ONLY");
      }
    } else {
      Consumer<TxState> end = TxState::reset;
      end.accept(s);
      emit.sql(end, "ROLLBACK TO " + x);
    }
  }

  private void chain(boolean readOnly, TxState s, Emitter emit, String x) {
    Consumer<TxState> restart =
        t -> {
          t.block = Block.IN_TX;
          t.savepointOpen = true;
          t.readOnly = readOnly;
        };
    restart.accept(s);
    if (readOnly) {
      emit.sql(restart, "SET TRANSACTION READ ONLY");
    } else {
      emit.out(List.of(), restart);
    }
  }

  /** The client's transaction committed: its settings stay, the savepoint is gone. */
  private void committed(TxState t) {
    if (t.confirmed && !t.pendingSettings.isEmpty()) {
      context.commitSettings(List.copyOf(t.pendingSettings));
    }
    if (t.confirmed && t.localSettings) {
      context.settingsChanged();
    }
    t.reset();
  }

  private void committedKeepingSavepoint(TxState t) {
    committed(t);
    t.savepointOpen = true;
  }

  private void setTransaction(Command command, TxState s, Emitter emit) {
    if (!sameIsolation(command.detail())) {
      refuseIsolation(command.detail(), emit);
    } else if (s.block == Block.IDLE) {
      emit.out(
          List.of(
              Errors.warning(
                  Errors.NO_ACTIVE_SQL_TRANSACTION,
                  "SET TRANSACTION can only be used in transaction blocks"),
              new CommandComplete("SET")),
          null);
    } else if (command.readOnly() && s.statements > 0) {
      emit.raise(
          Errors.FEATURE_NOT_SUPPORTED,
          "SET TRANSACTION READ ONLY after the first statement of a transaction cannot be undone"
              + " inside the shared test transaction",
          "use BEGIN READ ONLY, or SET TRANSACTION READ ONLY as the transaction's first statement");
    } else {
      Consumer<TxState> effect =
          t -> {
            t.localSettings = true;
            t.readOnly |= command.readOnly();
          };
      effect.accept(s);
      emit.passthrough(effect);
    }
  }

  private static void malformed(Command command, Emitter emit) {
    emit.raise(
        Errors.SYNTAX_ERROR,
        command.detail(),
        command.tag().equals("BEGIN TEST")
            ? "write BEGIN TEST 'name', or BEGIN TEST 'name' ON DISCONNECT ROLLBACK to have the test"
                + " rolled back when this connection closes"
            : "write ROLLBACK TEST, or ROLLBACK TEST 'name' to check which test it ends");
  }

  private void rollbackTest(Command command, TxState s, Emitter emit) {
    String name = command.detail();
    if (!name.isEmpty() && !name.equals(context.test())) {
      emit.raise(
          Errors.NO_ACTIVE_SQL_TRANSACTION,
          "test " + quoted(name) + " is not open; the open test is " + quoted(context.test()),
          null);
      return;
    }
    Consumer<TxState> end =
        t -> {
          t.reset();
          if (t.confirmed) {
            context.testEnded();
          }
        };
    end.accept(s);
    emit.sql(end, "ROLLBACK /* pgisolate: end of test " + Comments.safe(context.test()) + " */");
    emit.out(List.of(new CommandComplete("ROLLBACK")), null);
  }

  private boolean sameIsolation(String level) {
    if (level == null) {
      return true;
    }
    String outer = context.isolation();
    // READ UNCOMMITTED is READ COMMITTED in PostgreSQL.
    String asked = level.equals("READ UNCOMMITTED") ? "READ COMMITTED" : level;
    return asked.equals(outer);
  }

  private void refuseIsolation(String level, Emitter emit) {
    emit.raise(
        Errors.FEATURE_NOT_SUPPORTED,
        "a client transaction cannot use ISOLATION LEVEL "
            + level
            + " inside the shared test transaction, which is "
            + context.isolation(),
        "client transactions are savepoints of the test transaction and share its isolation"
            + " level");
  }

  private static Consumer<TxState> counted() {
    return t -> t.statements++;
  }

  private static boolean exitsTransaction(Command command) {
    return switch (command.kind()) {
      case COMMIT, ROLLBACK, ROLLBACK_TO, ROLLBACK_TEST -> true;
      default -> false;
    };
  }

  private static String savepointCommand(Command command) {
    return switch (command.kind()) {
      case SAVEPOINT -> "SAVEPOINT";
      case RELEASE -> "RELEASE SAVEPOINT";
      default -> "ROLLBACK TO SAVEPOINT";
    };
  }

  private static BackendMessage noTransactionWarning() {
    return Errors.warning(Errors.NO_ACTIVE_SQL_TRANSACTION, "there is no transaction in progress");
  }

  private static String quoted(String name) {
    return "'" + name + "'";
  }

  /** Text safe inside a block comment. */
  static final class Comments {
    private Comments() {}

    static String safe(String text) {
      return text.replace("*/", "* /").replace("/*", "/ *");
    }
  }
}
