package io.pgisolate.proxy.transactional;

import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.RawMessage;
import io.pgisolate.proxy.protocol.frontend.Query;
import io.pgisolate.proxy.transactional.TxState.Block;
import io.pgisolate.sql.SqlStatements;
import io.pgisolate.sql.SqlStatements.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * One client's simple-protocol queries (Query, and FunctionCall, which ends the same way): run as
 * written outside a test; inside one, in the client's savepoint, with the transaction commands
 * among their statements rewritten by {@link TransactionRules}, one step at a time.
 */
final class SimpleQueries {
  private final ClientSession session;
  private final TransactionalBackend server;
  private final TransactionRules rules;

  SimpleQueries(ClientSession session, TransactionalBackend server, TransactionRules rules) {
    this.session = session;
    this.server = server;
    this.rules = rules;
  }

  /**
   * Runs the client's query; false, doing nothing, when it is a BEGIN TEST that waits for another
   * client's test to end (see {@link ClientSession#waitsForTest}).
   */
  boolean query(String sql) {
    List<Statement> list = SqlStatements.split(sql);
    List<Command> commands = list.stream().map(Command::classify).toList();
    if (commands.size() == 1
        && commands.get(0).kind() == Command.Kind.BEGIN_TEST
        && session.waitsForTest()) {
      return false;
    }
    session.awaitEnd();
    session.startUnit();
    if (server.test() == null) {
      plainQuery(sql, list, commands);
    } else if (list.isEmpty() || commands.stream().allMatch(SimpleQueries::plain)) {
      testQuery(sql, list, commands);
    } else {
      new SimpleRun(sql, list, commands).next();
    }
    return true;
  }

  /** Outside a test: the query runs as written, except the proxy's test commands. */
  private void plainQuery(String sql, List<Statement> list, List<Command> commands) {
    int testCommand = indexOfTestCommand(commands);
    if (testCommand < 0) {
      Reply.Forward reply = new Reply.Forward(session, 'Q', 0, false, null);
      List<Consumer<TxState>> followed = followed(list, commands);
      server.send(new Query(sql), followed == null ? reply : reply.eachStatement(followed));
      session.endUnitWhenAnswered();
      return;
    }
    SimpleEmitter emit = new SimpleEmitter(list.get(testCommand), sql);
    if (list.size() > 1 && commands.get(testCommand).isTestCommand()) {
      emit.raise(
          Errors.FEATURE_NOT_SUPPORTED,
          "BEGIN TEST and ROLLBACK TEST must be sent on their own, not with other statements",
          null);
    } else {
      rules.outsideTest(commands.get(testCommand), session.serverStatus(), emit);
    }
    session.endUnitWhenAnswered();
  }

  /** A test is open and no statement needs rewriting: the query runs in the client's savepoint. */
  private void testQuery(String sql, List<Statement> list, List<Command> commands) {
    Consumer<TxState> effect = planPlain(list, commands, sql);
    SimpleEmitter emit = new SimpleEmitter(null, sql);
    if (!list.isEmpty()) {
      rules.openSavepoint(session.planned(), emit);
    }
    boolean copy = list.stream().anyMatch(SimpleQueries::isCopy);
    String release = copy ? null : rules.closeImplicitInline(session.planned());
    if (release != null) {
      // The base savepoint is released and opened again by the query itself; if the query fails,
      // that does not run, and the ROLLBACK TO behind it repairs the savepoint instead.
      Consumer<TxState> onSuccess =
          effect == null ? rules.implicitCommitted() : effect.andThen(rules.implicitCommitted());
      server.send(
          new Query(sql + "\n;" + release),
          new Reply.Forward(session, 'Q', 0, false, onSuccess, 2));
      session.heal();
      session.endUnitWhenAnswered();
      if (commands.stream().allMatch(command -> command.kind() == Command.Kind.OTHER)) {
        session.detach();
      }
      return;
    }
    server.send(new Query(sql), new Reply.Forward(session, 'Q', 0, false, effect));
    if (copy) {
      session.endCopyUnitWhenAnswered(() -> rules.closeImplicit(session.planned(), emit));
      return;
    }
    session.endUnitWhenAnswered();
  }

  /** COPY: the server may go into copy mode, where a message other than the copy's breaks it. */
  static boolean isCopy(Statement statement) {
    List<SqlStatements.Token> first = statement.tokens(1);
    return !first.isEmpty() && first.get(0).is("COPY");
  }

  /** Statements run one step at a time, because a step's rewriting depends on how the last went. */
  private final class SimpleRun {
    private final String sql;
    private final List<Statement> list;
    private final List<Command> commands;
    private int next;

    SimpleRun(String sql, List<Statement> list, List<Command> commands) {
      this.sql = sql;
      this.list = list;
      this.commands = commands;
    }

    void next() {
      if (session.isClosed()) {
        return; // the client is gone: its disconnect clean-up follows in the queue
      }
      session.replan();
      if (session.unitFailed() || next >= list.size()) {
        if (!session.unitFailed() && server.test() != null) {
          rules.closeImplicit(session.planned(), new SimpleEmitter(null, sql));
        }
        session.endUnitWhenAnswered();
        server.flushServer();
        return;
      }
      Statement first = list.get(next);
      if (server.test() == null) {
        // ROLLBACK TEST ended the test: the rest runs as it would outside one.
        int start = first.start();
        server.send(
            new Query(sql.substring(start, list.get(list.size() - 1).end())),
            new Reply.Forward(session, 'Q', codePoints(start), false, null));
        next = list.size();
      } else if (runsAsWritten(commands.get(next))) {
        int end = next;
        while (end < list.size() && runsAsWritten(commands.get(end))) {
          end++;
        }
        List<Statement> segment = list.subList(next, end);
        List<Command> segmentCommands = commands.subList(next, end);
        int from = first.start();
        String text = sql.substring(from, segment.get(segment.size() - 1).end());
        SimpleEmitter emit = new SimpleEmitter(null, sql);
        if (session.planned().block != Block.FAILED) {
          rules.openSavepoint(session.planned(), emit);
        }
        Consumer<TxState> effect = planPlain(segment, segmentCommands, sql);
        server.send(
            new Query(text), new Reply.Forward(session, 'Q', codePoints(from), false, effect));
        next = end;
      } else {
        rules.apply(
            commands.get(next), first.sql(), session.planned(), new SimpleEmitter(first, sql));
        next++;
      }
      server.expect(new Reply.Marker(this::next, null));
      server.flushServer();
    }

    private boolean runsAsWritten(Command command) {
      return plain(command)
          || session.planned().block == Block.FAILED
              && command.kind() != Command.Kind.COMMIT
              && command.kind() != Command.Kind.ROLLBACK
              && command.kind() != Command.Kind.ROLLBACK_TO
              && command.kind() != Command.Kind.ROLLBACK_TEST;
    }

    private int codePoints(int charIndex) {
      return sql.codePointCount(0, charIndex);
    }
  }

  /** The effect of statements that run as written: counted, and their SETs remembered. */
  private Consumer<TxState> planPlain(List<Statement> list, List<Command> commands, String sql) {
    List<String> sets = new ArrayList<>();
    boolean local = false;
    for (int i = 0; i < list.size(); i++) {
      Command.Kind kind = commands.get(i).kind();
      if (kind == Command.Kind.SET_SESSION) {
        sets.add(list.get(i).sql());
      }
      local |= kind == Command.Kind.SET_LOCAL;
    }
    boolean anyLocal = local;
    int count = list.size();
    Consumer<TxState> effect =
        t -> {
          t.statements += count;
          t.pendingSettings.addAll(sets);
          t.localSettings |= anyLocal;
        };
    if (session.planned().block != Block.FAILED) {
      effect.accept(session.planned());
    }
    return session.planned().block == Block.FAILED ? null : effect;
  }

  private static boolean plain(Command command) {
    return command.kind() == Command.Kind.OTHER || command.kind() == Command.Kind.SET_SESSION;
  }

  /** FunctionCall ('F') ends with ReadyForQuery, like a query, and runs as written. */
  void functionCall(RawMessage message) {
    session.awaitEnd();
    session.startUnit();
    SimpleEmitter emit = new SimpleEmitter(null, "");
    if (server.test() != null) {
      rules.openSavepoint(session.planned(), emit);
    }
    server.send(message, new Reply.Forward(session, 'F', 0, false, null));
    if (server.test() != null) {
      rules.closeImplicit(session.planned(), emit);
    }
    session.endUnitWhenAnswered();
  }

  /** The rules' decisions as simple queries. */
  private final class SimpleEmitter implements TransactionRules.Emitter {
    private final Statement statement;
    private final String text;

    SimpleEmitter(Statement statement, String text) {
      this.statement = statement;
      this.text = text;
    }

    @Override
    public boolean alone() {
      return SqlStatements.split(text).size() == 1;
    }

    @Override
    public void sql(Consumer<TxState> effect, String... sql) {
      server.query(String.join(";", sql), error -> session.ownStatementDone(error, effect));
    }

    @Override
    public void out(List<BackendMessage> messages, Consumer<TxState> effect) {
      server.expect(new Reply.Synthetic(session, messages, effect, false));
    }

    @Override
    public void check(String sql) {
      server.send(new Query(sql), new Reply.Forward(session, 'Q', 0, true, null));
    }

    @Override
    public void passthrough(Consumer<TxState> effect) {
      int offset = text.codePointCount(0, statement.start());
      server.send(
          new Query(statement.sql()), new Reply.Forward(session, 'Q', offset, false, effect));
    }
  }

  /**
   * Outside a test, the query's statements as the proxy follows them, to apply as each completes
   * (see {@link TransactionRules#followedOutsideTest}); null when none changes what it follows, as
   * for most queries.
   */
  private List<Consumer<TxState>> followed(List<Statement> list, List<Command> commands) {
    List<Consumer<TxState>> effects = null; // most queries have none: nothing to allocate
    for (int i = 0; i < commands.size(); i++) {
      Consumer<TxState> effect = rules.followedOutsideTest(commands.get(i), list.get(i).sql());
      if (effect != null && effects == null) {
        effects = new ArrayList<>(Collections.nCopies(i, null));
      }
      if (effects != null) {
        effects.add(effect);
      }
    }
    return effects;
  }

  private static int indexOfTestCommand(List<Command> commands) {
    for (int i = 0; i < commands.size(); i++) {
      Command command = commands.get(i);
      if (command.isTestCommand() || command.isListen() || command.refusedOutsideTestsToo()) {
        return i;
      }
    }
    return -1;
  }
}
