package io.pgisolate.proxy.transactional;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.RawMessage;
import io.pgisolate.proxy.protocol.Wire;
import io.pgisolate.proxy.protocol.backend.BindComplete;
import io.pgisolate.proxy.protocol.backend.CloseComplete;
import io.pgisolate.proxy.protocol.backend.NoData;
import io.pgisolate.proxy.protocol.backend.ParameterDescription;
import io.pgisolate.proxy.protocol.backend.ParseComplete;
import io.pgisolate.proxy.protocol.frontend.Bind;
import io.pgisolate.proxy.protocol.frontend.Close;
import io.pgisolate.proxy.protocol.frontend.Describe;
import io.pgisolate.proxy.protocol.frontend.Execute;
import io.pgisolate.proxy.protocol.frontend.Parse;
import io.pgisolate.proxy.protocol.frontend.Sync;
import io.pgisolate.proxy.transactional.TxState.Block;
import io.pgisolate.sql.SqlStatements;
import io.pgisolate.sql.SqlStatements.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One client's extended-protocol messages (PostgreSQL docs, "Extended Query"): its prepared
 * statement and portal names made its own on the shared session, BEGIN TEST and ROLLBACK TEST
 * answered by the proxy, and, in a test, Execute of a transaction command rewritten by {@link
 * TransactionRules}. A unit ends with Sync; inside a test an idle client's unit runs in its
 * savepoint.
 */
final class ExtendedMessages {
  /** The proxy's own statement and portal, for statements it runs in the extended protocol. */
  private static final String OWN = "pgisolate_own";

  private final ClientSession session;
  private final TransactionalBackend server;
  private final TransactionRules rules;
  private final String prefix;
  private final Map<String, Prepared> statements = new HashMap<>();
  private final Map<String, Prepared> portals = new HashMap<>();
  private boolean unitOpen;

  /** Every statement the unit executed ran as written (no transaction command, no SET). */
  private boolean unitPlain;

  /** The unit executes a COPY (see {@link #sync}). */
  private boolean unitCopies;

  /** The unit has parsed the unnamed statement on the server (see {@link #useUnnamed}). */
  private boolean unnamedParsed;

  /**
   * The test the unit's next message runs in, as planned: the open test's when the unit began, then
   * changed by the unit's own BEGIN TEST and ROLLBACK TEST, which have not been answered yet when
   * the messages behind them are planned.
   */
  private String unitTest;

  /**
   * Outside a test, the shared session's transaction status as planned for the unit's next message
   * ('I' idle, 'T' in a transaction): a BEGIN earlier in the unit leaves it in one.
   */
  private char unitStatus;

  ExtendedMessages(
      ClientSession session, TransactionalBackend server, TransactionRules rules, int clientId) {
    this.session = session;
    this.server = server;
    this.rules = rules;
    this.prefix = "c" + clientId + "_";
  }

  /** Messages of a unit have been sent, and its Sync has not. */
  boolean unitOpen() {
    return unitOpen;
  }

  void unitEnded() {
    unitOpen = false;
  }

  /**
   * Parse. Preparing BEGIN TEST or ROLLBACK TEST runs nothing, so it is answered at once, without
   * beginning a unit and whatever test is open: a driver that prepares a statement before it
   * executes it (libpq's PQprepare, pgjdbc's and sqlx's Describe) does not wait for another
   * client's test to end; executing it does (see {@link #bind}).
   */
  void parse(RawMessage message) {
    Parse parse = Wire.decodeWhole(Parse.TYPE, message.body(), Parse::decode);
    message.release();
    Prepared prepared = Prepared.of(parse);
    statements.put(parse.name(), prepared);
    if (prepared.virtual()) {
      answer(ParseComplete.INSTANCE);
      return;
    }
    beginUnit();
    unnamedParsed |= parse.name().isEmpty();
    server.send(
        new Parse(own(parse.name()), parse.sql(), parse.parameterTypes()),
        new Reply.Forward(session, 'P', 0, false, null));
  }

  /**
   * A unit that begins by binding BEGIN TEST waits as a whole, before anything of it is sent or
   * answered, so that it runs as it would have had the other test ended first. (Only what prepares
   * it, which runs nothing, may have come before: see {@link #parse}.)
   */
  private boolean waitsForTest(Prepared prepared) {
    return !unitOpen
        && prepared.command().kind() == Command.Kind.BEGIN_TEST
        && session.waitsForTest();
  }

  void describe(RawMessage message) {
    Describe describe = Wire.decodeWhole(Describe.TYPE, message.body(), Describe::decode);
    message.release();
    Prepared described = (describe.kind() == 'S' ? statements : portals).get(describe.name());
    if (described != null && described.virtual()) {
      if (describe.kind() == 'S') {
        answer(new ParameterDescription(new int[0]));
      }
      answer(NoData.INSTANCE);
      return;
    }
    beginUnit();
    if (describe.kind() == 'S') {
      useUnnamed(describe.name());
    }
    server.send(
        new Describe(describe.kind(), own(describe.name())),
        new Reply.Forward(session, 'D', 0, false, null));
  }

  void close(RawMessage message) {
    Close close = Wire.decodeWhole(Close.TYPE, message.body(), Close::decode);
    message.release();
    Prepared closed = (close.kind() == 'S' ? statements : portals).remove(close.name());
    if (closed != null && closed.virtual()) {
      answer(CloseComplete.INSTANCE);
      return;
    }
    beginUnit();
    server.send(
        new Close(close.kind(), own(close.name())),
        new Reply.Forward(session, 'C', 0, false, null));
  }

  void execute(RawMessage message) {
    Execute execute = Wire.decodeWhole(Execute.TYPE, message.body(), Execute::decode);
    message.release();
    beginUnit();
    execute(execute);
  }

  /**
   * The server-side names of the client's prepared statements, forgotten here: when the client has
   * gone they are closed on the session, where they would otherwise pile up. BEGIN TEST and
   * ROLLBACK TEST never reach the server, so they are not among them.
   */
  List<String> takeStatementNames() {
    List<String> names = new ArrayList<>();
    statements.forEach(
        (name, prepared) -> {
          if (!name.isEmpty() && !prepared.virtual()) {
            names.add(own(name));
          }
        });
    statements.clear();
    return names;
  }

  private void beginUnit() {
    if (!unitOpen) {
      unitOpen = true;
      unitPlain = true;
      unitCopies = false;
      unnamedParsed = false;
      unitTest = server.test();
      unitStatus = session.serverStatus();
      session.startUnit();
      if (unitTest != null && !session.isGuest() && session.planned().block != Block.FAILED) {
        rules.openSavepoint(session.planned(), new ExtendedEmitter(null));
      }
    }
  }

  boolean bind(RawMessage message) {
    ByteBuf body = message.body();
    String portal = Wire.readCString(body);
    String statement = Wire.readCString(body);
    Prepared prepared = statements.getOrDefault(statement, Prepared.UNKNOWN);
    if (waitsForTest(prepared)) {
      return false;
    }
    beginUnit();
    portals.put(portal, prepared);
    if (prepared.virtual()) {
      message.release();
      answer(BindComplete.INSTANCE);
      return true;
    }
    useUnnamed(statement);
    if (portal.isEmpty() && statement.isEmpty()) {
      server.send(message, new Reply.Forward(session, 'B', 0, false, null));
      return true;
    }
    // Only the names change: the parameters are copied as they are.
    ByteBuf out = session.alloc().buffer(message.content().readableBytes() + 32);
    int length = Wire.begin(out, Bind.TYPE);
    Wire.writeCString(out, own(portal));
    Wire.writeCString(out, own(statement));
    out.writeBytes(body);
    Wire.end(out, length);
    message.release();
    server.send(out, new Reply.Forward(session, 'B', 0, false, null));
    return true;
  }

  private void execute(Execute execute) {
    Prepared prepared = portals.getOrDefault(execute.portal(), Prepared.UNKNOWN);
    Command command = prepared.command();
    unitPlain &= command.kind() == Command.Kind.OTHER;
    unitCopies |= prepared.copy();
    ExtendedEmitter emit = new ExtendedEmitter(execute);
    if (unitTest == null) {
      if (command.isTestCommand() || command.isListen() || command.refusedOutsideTestsToo()) {
        rules.outsideTest(command, unitStatus, emit);
      } else {
        emit.passthrough(rules.followedOutsideTest(command, prepared.sql()));
      }
    } else if (command.kind() == Command.Kind.BEGIN_TEST && cannotWaitForTest()) {
      emit.raise(
          Errors.ACTIVE_SQL_TRANSACTION,
          "BEGIN TEST cannot wait here for "
              + server.testDescription()
              + " to end: the statements before it in the same pipeline or batch (up to Sync) have"
              + " run already, inside that test",
          "send BEGIN TEST on its own, or first in its pipeline or batch: it then waits for the"
              + " open test to end");
    } else {
      rules.apply(command, prepared.sql(), session.planned(), emit);
    }
    planAfter(command);
  }

  /**
   * A BEGIN TEST behind other statements of its unit, while another client's test is open: the unit
   * cannot wait as a whole (see {@link #waitsForTest}), its first statements have run in the open
   * test, and BEGIN TEST would put them in its own.
   */
  private boolean cannotWaitForTest() {
    return !session.isGuest()
        && session.planned().block == Block.IDLE
        && server.testOpenByAnother(session);
  }

  /**
   * The test and transaction status the unit's next messages are planned for, after {@code
   * command}. When it fails, the server skips the rest of the unit, and nothing is planned wrongly.
   */
  private void planAfter(Command command) {
    switch (command.kind()) {
      case BEGIN_TEST -> {
        if (unitTest == null && unitStatus == 'I') {
          unitTest = command.detail();
        }
      }
      case ROLLBACK_TEST -> {
        if (unitTest != null && (command.detail().isEmpty() || command.detail().equals(unitTest))) {
          unitTest = null;
          unitStatus = 'I';
        }
      }
      case BEGIN -> {
        if (unitTest == null) {
          unitStatus = 'T';
        }
      }
      case COMMIT, ROLLBACK -> {
        if (unitTest == null) {
          unitStatus = command.chain() ? 'T' : 'I';
        }
      }
      default -> {}
    }
  }

  /** The test the unit's messages so far leave open (see {@link #unitTest}), or null. */
  String plannedTest() {
    return unitOpen ? unitTest : server.test();
  }

  void sync() {
    beginUnit();
    session.awaitEnd();
    if (unitCopies) {
      syncAfterCopy();
      return;
    }
    // A guest's unit runs in a savepoint of its own, inside another client's transaction.
    String release =
        unitTest != null && !session.isGuest()
            ? rules.closeImplicitInline(session.planned())
            : null;
    server.send(Sync.INSTANCE, new Reply.Forward(session, 'S', 0, false, null));
    if (release != null) {
      // After the Sync, as simple queries: they run whether or not the unit failed.
      server.query(release, error -> session.ownStatementDone(error, rules.implicitCommitted()));
      session.heal();
    }
    session.endUnitWhenAnswered();
    if (release != null && unitPlain) {
      session.detach();
    }
  }

  /**
   * The Sync of a unit that executes a COPY: nothing is sent behind it until it is answered (see
   * {@link ClientSession#endCopyUnitWhenAnswered}); then the base savepoint is released, as simple
   * queries, which in the extended protocol need no Sync of their own.
   */
  private void syncAfterCopy() {
    server.send(Sync.INSTANCE, new Reply.Forward(session, 'S', 0, false, null));
    session.endCopyUnitWhenAnswered(
        () -> {
          String release =
              server.test() != null ? rules.closeImplicitInline(session.planned()) : null;
          if (release != null) {
            server.query(
                release, error -> session.ownStatementDone(error, rules.implicitCommitted()));
            session.heal();
          }
        });
  }

  /** The rules' decisions as extended-protocol messages, between the client's own. */
  private final class ExtendedEmitter implements TransactionRules.Emitter {
    private final Execute execute;

    ExtendedEmitter(Execute execute) {
      this.execute = execute;
    }

    @Override
    public boolean alone() {
      // Each Execute outside a transaction block runs in a transaction that is not a block.
      return true;
    }

    @Override
    public void sql(Consumer<TxState> effect, String... sql) {
      for (int i = 0; i < sql.length; i++) {
        boolean last = i == sql.length - 1;
        run(
            sql[i],
            new Reply.Internal(
                'E', error -> session.ownStatementDone(error, last ? effect : null)));
      }
    }

    @Override
    public void out(List<BackendMessage> messages, Consumer<TxState> effect) {
      server.expect(new Reply.Synthetic(session, messages, effect, true));
    }

    @Override
    public void check(String sql) {
      run(sql, new Reply.Forward(session, 'E', 0, true, null));
    }

    @Override
    public void passthrough(Consumer<TxState> effect) {
      server.send(
          new Execute(own(execute.portal()), execute.maxRows()),
          new Reply.Forward(session, 'E', 0, false, effect));
    }

    /**
     * Runs {@code sql} as the proxy's own named statement and portal, leaving the client's unnamed
     * ones alone. Both are closed first: an error in the last round may have left them behind.
     */
    private void run(String sql, Reply execute) {
      server.send(new Close('P', OWN), new Reply.Internal('C', null));
      server.send(new Close('S', OWN), new Reply.Internal('C', null));
      server.send(new Parse(OWN, sql, new int[0]), new Reply.Internal('P', null));
      server.send(
          new Bind(OWN, OWN, new short[0], List.of(), new short[0]), new Reply.Internal('B', null));
      server.send(new Execute(OWN, 0), execute);
    }
  }

  /**
   * The unit uses the client's unnamed statement, which it parsed in an earlier unit: on the shared
   * session it has been replaced since by other clients' (or destroyed by a simple Query, the
   * proxy's own included), so it is parsed again first, as the client last parsed it.
   */
  private void useUnnamed(String statement) {
    Prepared prepared = statements.get(statement);
    if (!statement.isEmpty() || unnamedParsed || prepared != null && prepared.virtual()) {
      return;
    }
    unnamedParsed = true;
    if (prepared == null) {
      // The client has none: it gets PostgreSQL's error, not another client's statement.
      server.send(new Close('S', ""), new Reply.Internal('C', null));
      return;
    }
    server.send(
        prepared.parse(), new Reply.Internal('P', error -> session.ownStatementDone(error, null)));
  }

  /**
   * A statement prepared with Parse (PostgreSQL allows one only), and what it means.
   *
   * @param sql the statement, for the rules
   * @param parse what the client parsed, to parse the unnamed statement again (see useUnnamed)
   */
  private record Prepared(Command command, String sql, Parse parse, boolean copy) {
    static final Prepared UNKNOWN = new Prepared(Command.OTHER, "", null, false);

    /**
     * BEGIN TEST and ROLLBACK TEST are not SQL: the server never sees them prepared, the proxy
     * answers for them until they are executed.
     */
    boolean virtual() {
      return command.isTestCommand();
    }

    static Prepared of(Parse parse) {
      List<Statement> list = SqlStatements.split(parse.sql());
      return list.size() == 1
          ? new Prepared(
              Command.classify(list.get(0)),
              list.get(0).sql(),
              parse,
              SimpleQueries.isCopy(list.get(0)))
          : new Prepared(Command.OTHER, parse.sql(), parse, false);
    }
  }

  /** An answer of the proxy's making to an extended-protocol message, in its place in order. */
  private void answer(BackendMessage message) {
    server.expect(new Reply.Synthetic(session, List.of(message), null, true));
  }

  /** The server-side name of a client's statement or portal; the unnamed ones stay unnamed. */
  private String own(String name) {
    return name.isEmpty() ? name : prefix + name;
  }
}
