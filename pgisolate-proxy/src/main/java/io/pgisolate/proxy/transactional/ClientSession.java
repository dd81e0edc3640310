package io.pgisolate.proxy.transactional;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.ProtocolException;
import io.pgisolate.proxy.protocol.RawMessage;
import io.pgisolate.proxy.protocol.Wire;
import io.pgisolate.proxy.protocol.backend.BackendKeyData;
import io.pgisolate.proxy.protocol.backend.BindComplete;
import io.pgisolate.proxy.protocol.backend.CloseComplete;
import io.pgisolate.proxy.protocol.backend.CommandComplete;
import io.pgisolate.proxy.protocol.backend.ErrorResponse;
import io.pgisolate.proxy.protocol.backend.NoData;
import io.pgisolate.proxy.protocol.backend.ParameterDescription;
import io.pgisolate.proxy.protocol.backend.ParameterStatus;
import io.pgisolate.proxy.protocol.backend.ParseComplete;
import io.pgisolate.proxy.protocol.backend.ReadyForQuery;
import io.pgisolate.proxy.protocol.frontend.Bind;
import io.pgisolate.proxy.protocol.frontend.Close;
import io.pgisolate.proxy.protocol.frontend.CopyFail;
import io.pgisolate.proxy.protocol.frontend.Describe;
import io.pgisolate.proxy.protocol.frontend.Execute;
import io.pgisolate.proxy.protocol.frontend.Parse;
import io.pgisolate.proxy.protocol.frontend.Query;
import io.pgisolate.proxy.protocol.frontend.StartupMessage;
import io.pgisolate.proxy.protocol.frontend.Sync;
import io.pgisolate.proxy.transactional.TxState.Block;
import io.pgisolate.sql.Sql;
import io.pgisolate.sql.SqlStatements;
import io.pgisolate.sql.SqlStatements.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One client of the transactional proxy: takes its messages in, and, during its turn on the shared
 * session, sends them on — statement and portal names made its own, transaction commands rewritten
 * by {@link TransactionRules} while a test is open — and gives it back what PostgreSQL would.
 *
 * <p>A unit of work is a simple Query, or extended-protocol messages up to a Sync. Messages behind
 * a unit wait (the client is not read from meanwhile) until the unit's ReadyForQuery, because what
 * they become depends on how the unit ended.
 */
final class ClientSession extends ChannelInboundHandlerAdapter implements TransactionRules.Context {
  private static final AtomicInteger IDS = new AtomicInteger();

  /** The savepoint around a guest's unit. */
  private static final String GUEST = "pgisolate_guest";

  /** The proxy's own statement and portal, for statements it runs in the extended protocol. */
  private static final String OWN = "pgisolate_own";

  private final int id = IDS.incrementAndGet();
  private final TransactionalBackend server;
  private final Channel channel;
  private final StartupMessage startup;
  private final BackendKeyData proxyKey;
  private final String savepoint;
  private final TransactionRules rules = new TransactionRules(this);
  private ChannelHandlerContext ctx;

  private final ArrayDeque<RawMessage> inbox = new ArrayDeque<>();
  private final Map<String, Prepared> statements = new HashMap<>();
  private final Map<String, Prepared> portals = new HashMap<>();
  private ClientSettings settings;

  private final TxState confirmed = new TxState(true);
  private TxState planned = confirmed.copy();

  private boolean started;
  private boolean unitOpen;
  private boolean awaitingEnd;
  private boolean copyIn;
  private boolean unitFailed;
  private boolean closed;
  private boolean guest;
  private boolean writtenUnflushed;
  private char serverStatus = 'I';
  private ScheduledFuture<?> waitTimer;

  ClientSession(
      TransactionalBackend server, Channel channel, StartupMessage startup, BackendKeyData key) {
    this.server = server;
    this.channel = channel;
    this.startup = startup;
    this.proxyKey = key;
    this.savepoint = "pgisolate_client_" + id;
    this.settings = ClientSettings.fromStartup(startup.parameters());
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  // ---------------------------------------------------------------- input

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closed || !(msg instanceof RawMessage message)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    inbox.add(message);
    if (server.holds(this)) {
      pump();
    } else if (started && !server.isParked(this)) {
      server.requestTurn(this);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (inbox.isEmpty()) {
      ctx.read();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // A slow client: the server is not read from until it catches up.
    if (server.holds(this)) {
      server.readServer(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof ProtocolException e) {
      fatal(e.sqlState(), e.getMessage());
    } else {
      TransactionalBackend.log.debug("{} failed", this, cause);
      ctx.close();
    }
  }

  /** Handles the inbox in order while this client holds the session. */
  private void pump() {
    while (!closed && server.holds(this)) {
      RawMessage message = inbox.peek();
      if (message == null) {
        ctx.read();
        break;
      }
      char type = message.type();
      boolean copyData = type == 'd' || type == 'c' || type == 'f';
      if (awaitingEnd && !(copyIn && copyData)) {
        break;
      }
      inbox.poll();
      try {
        handle(message);
      } catch (ProtocolException e) {
        fatal(e.sqlState(), e.getMessage());
        return;
      }
    }
    if (server.holds(this)) {
      server.flushServer();
    }
  }

  private void handle(RawMessage message) {
    char type = message.type();
    switch (type) {
      case Query.TYPE -> {
        Query query = Wire.decodeWhole(Query.TYPE, message.body(), Query::decode);
        message.release();
        query(query.sql());
      }
      case Parse.TYPE -> {
        Parse parse = Wire.decodeWhole(Parse.TYPE, message.body(), Parse::decode);
        message.release();
        beginUnit();
        Prepared prepared = Prepared.of(parse.sql());
        statements.put(parse.name(), prepared);
        if (prepared.virtual()) {
          answer(ParseComplete.INSTANCE);
          return;
        }
        server.send(
            new Parse(own(parse.name()), parse.sql(), parse.parameterTypes()),
            new Reply.Forward(ClientSession.this, 'P', 0, false, null));
      }
      case Bind.TYPE -> bind(message);
      case Describe.TYPE -> {
        Describe describe = Wire.decodeWhole(Describe.TYPE, message.body(), Describe::decode);
        message.release();
        beginUnit();
        Prepared described = (describe.kind() == 'S' ? statements : portals).get(describe.name());
        if (described != null && described.virtual()) {
          if (describe.kind() == 'S') {
            answer(new ParameterDescription(new int[0]));
          }
          answer(NoData.INSTANCE);
          return;
        }
        server.send(
            new Describe(describe.kind(), own(describe.name())),
            new Reply.Forward(ClientSession.this, 'D', 0, false, null));
      }
      case Close.TYPE -> {
        Close close = Wire.decodeWhole(Close.TYPE, message.body(), Close::decode);
        message.release();
        beginUnit();
        Prepared closed = (close.kind() == 'S' ? statements : portals).remove(close.name());
        if (closed != null && closed.virtual()) {
          answer(CloseComplete.INSTANCE);
          return;
        }
        server.send(
            new Close(close.kind(), own(close.name())),
            new Reply.Forward(ClientSession.this, 'C', 0, false, null));
      }
      case Execute.TYPE -> {
        Execute execute = Wire.decodeWhole(Execute.TYPE, message.body(), Execute::decode);
        message.release();
        beginUnit();
        execute(execute);
      }
      case Sync.TYPE -> {
        message.release();
        sync();
      }
      case 'H' -> server.send(message, null);
      case 'd', 'c', 'f' -> {
        if (type != 'd') {
          copyIn = false;
        }
        server.send(message, null);
      }
      case 'F' -> functionCall(message);
      case 'X' -> {
        message.release();
        channel.close();
      }
      default -> {
        message.release();
        throw new ProtocolException("invalid frontend message type " + (int) type);
      }
    }
  }

  // ---------------------------------------------------------------- the simple protocol

  private void query(String sql) {
    awaitingEnd = true;
    startUnit();
    List<Statement> list = SqlStatements.split(sql);
    List<Command> commands = list.stream().map(Command::classify).toList();
    if (server.test() == null) {
      plainQuery(sql, list, commands);
    } else if (list.isEmpty() || commands.stream().allMatch(ClientSession::plain)) {
      testQuery(sql, list, commands);
    } else {
      new SimpleRun(sql, list, commands).next();
    }
  }

  /** Outside a test: the query runs as written, except the proxy's test commands. */
  private void plainQuery(String sql, List<Statement> list, List<Command> commands) {
    int testCommand = indexOfTestCommand(commands);
    if (testCommand < 0) {
      server.send(new Query(sql), new Reply.Forward(ClientSession.this, 'Q', 0, false, null));
      endUnitWhenAnswered();
      return;
    }
    SimpleEmitter emit = new SimpleEmitter(list.get(testCommand), sql);
    if (list.size() > 1) {
      emit.raise(
          Errors.FEATURE_NOT_SUPPORTED,
          "BEGIN TEST and ROLLBACK TEST must be sent on their own, not with other statements",
          null);
    } else {
      outsideTest(commands.get(0), emit);
    }
    endUnitWhenAnswered();
  }

  /** A test is open and no statement needs rewriting: the query runs in the client's savepoint. */
  private void testQuery(String sql, List<Statement> list, List<Command> commands) {
    Consumer<TxState> effect = planPlain(list, commands, sql);
    SimpleEmitter emit = new SimpleEmitter(null, sql);
    if (!list.isEmpty()) {
      rules.openSavepoint(planned, emit);
    }
    boolean copy = list.stream().anyMatch(ClientSession::isCopy);
    String release = copy ? null : rules.closeImplicitInline(planned);
    if (release != null) {
      // The savepoint is released by the query itself, one statement more: if the query fails,
      // the RELEASE does not run, and the unit's end rolls back instead.
      Consumer<TxState> onSuccess =
          effect == null ? rules.implicitCommitted() : effect.andThen(rules.implicitCommitted());
      server.send(
          new Query(sql + "\n;" + release),
          new Reply.Forward(ClientSession.this, 'Q', 0, false, onSuccess, true));
      endUnitWhenAnswered();
      return;
    }
    server.send(new Query(sql), new Reply.Forward(ClientSession.this, 'Q', 0, false, effect));
    if (copy) {
      // COPY FROM STDIN puts the server in copy mode, where a query behind it breaks the
      // protocol: the savepoint is released once the query has been answered.
      server.expect(
          new Reply.Marker(
              () -> {
                if (closed) {
                  return;
                }
                planned = confirmed.copy();
                if (!unitFailed) {
                  rules.closeImplicit(planned, emit);
                }
                endUnitWhenAnswered();
                server.flushServer();
              },
              null));
      return;
    }
    endUnitWhenAnswered();
  }

  private static boolean isCopy(Statement statement) {
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
      if (closed) {
        return; // the client is gone: its disconnect clean-up follows in the queue
      }
      planned = confirmed.copy();
      if (unitFailed || next >= list.size()) {
        if (!unitFailed && server.test() != null) {
          rules.closeImplicit(planned, new SimpleEmitter(null, sql));
        }
        endUnitWhenAnswered();
        server.flushServer();
        return;
      }
      Statement first = list.get(next);
      if (server.test() == null) {
        // ROLLBACK TEST ended the test: the rest runs as it would outside one.
        int start = first.start();
        server.send(
            new Query(sql.substring(start, list.get(list.size() - 1).end())),
            new Reply.Forward(ClientSession.this, 'Q', codePoints(start), false, null));
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
        if (planned.block != Block.FAILED) {
          rules.openSavepoint(planned, emit);
        }
        Consumer<TxState> effect = planPlain(segment, segmentCommands, sql);
        server.send(
            new Query(text),
            new Reply.Forward(ClientSession.this, 'Q', codePoints(from), false, effect));
        next = end;
      } else {
        rules.apply(commands.get(next), first.sql(), planned, new SimpleEmitter(first, sql));
        next++;
      }
      server.expect(new Reply.Marker(this::next, null));
      server.flushServer();
    }

    private boolean runsAsWritten(Command command) {
      return plain(command)
          || planned.block == Block.FAILED
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
    if (planned.block != Block.FAILED) {
      effect.accept(planned);
    }
    return planned.block == Block.FAILED ? null : effect;
  }

  private static boolean plain(Command command) {
    return command.kind() == Command.Kind.OTHER || command.kind() == Command.Kind.SET_SESSION;
  }

  /** FunctionCall ('F') ends with ReadyForQuery, like a query, and runs as written. */
  private void functionCall(RawMessage message) {
    awaitingEnd = true;
    startUnit();
    SimpleEmitter emit = new SimpleEmitter(null, "");
    if (server.test() != null) {
      rules.openSavepoint(planned, emit);
    }
    server.send(message, new Reply.Forward(ClientSession.this, 'F', 0, false, null));
    if (server.test() != null) {
      rules.closeImplicit(planned, emit);
    }
    endUnitWhenAnswered();
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
      server.query(String.join(";", sql), error -> own(error, effect));
    }

    @Override
    public void out(List<BackendMessage> messages, Consumer<TxState> effect) {
      server.expect(new Reply.Synthetic(ClientSession.this, messages, effect, false));
    }

    @Override
    public void check(String sql) {
      server.send(new Query(sql), new Reply.Forward(ClientSession.this, 'Q', 0, true, null));
    }

    @Override
    public void passthrough(Consumer<TxState> effect) {
      int offset = text.codePointCount(0, statement.start());
      server.send(
          new Query(statement.sql()),
          new Reply.Forward(ClientSession.this, 'Q', offset, false, effect));
    }
  }

  // ---------------------------------------------------------------- the extended protocol

  private void beginUnit() {
    if (!unitOpen) {
      unitOpen = true;
      startUnit();
      if (server.test() != null && planned.block != Block.FAILED) {
        rules.openSavepoint(planned, new ExtendedEmitter(null));
      }
    }
  }

  private void bind(RawMessage message) {
    beginUnit();
    ByteBuf body = message.body();
    String portal = Wire.readCString(body);
    String statement = Wire.readCString(body);
    Prepared prepared = statements.getOrDefault(statement, Prepared.UNKNOWN);
    portals.put(portal, prepared);
    if (prepared.virtual()) {
      message.release();
      answer(BindComplete.INSTANCE);
      return;
    }
    if (portal.isEmpty() && statement.isEmpty()) {
      server.send(message, new Reply.Forward(ClientSession.this, 'B', 0, false, null));
      return;
    }
    // Only the names change: the parameters are copied as they are.
    ByteBuf out = channel.alloc().buffer(message.content().readableBytes() + 32);
    int length = Wire.begin(out, Bind.TYPE);
    Wire.writeCString(out, own(portal));
    Wire.writeCString(out, own(statement));
    out.writeBytes(body);
    Wire.end(out, length);
    message.release();
    server.send(out, new Reply.Forward(ClientSession.this, 'B', 0, false, null));
  }

  private void execute(Execute execute) {
    Prepared prepared = portals.getOrDefault(execute.portal(), Prepared.UNKNOWN);
    Command command = prepared.command();
    ExtendedEmitter emit = new ExtendedEmitter(execute);
    if (server.test() == null) {
      if (isTestCommand(command) || isListen(command)) {
        outsideTest(command, emit);
      } else {
        emit.passthrough(null);
      }
    } else {
      rules.apply(command, prepared.sql(), planned, emit);
    }
  }

  private void sync() {
    beginUnit();
    awaitingEnd = true;
    if (server.test() != null && planned.block != Block.FAILED) {
      rules.closeImplicit(planned, new ExtendedEmitter(null));
    }
    server.send(Sync.INSTANCE, new Reply.Forward(ClientSession.this, 'S', 0, false, null));
    endUnitWhenAnswered();
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
        run(sql[i], new Reply.Internal('E', error -> own(error, last ? effect : null)));
      }
    }

    @Override
    public void out(List<BackendMessage> messages, Consumer<TxState> effect) {
      server.expect(new Reply.Synthetic(ClientSession.this, messages, effect, true));
    }

    @Override
    public void check(String sql) {
      run(sql, new Reply.Forward(ClientSession.this, 'E', 0, true, null));
    }

    @Override
    public void passthrough(Consumer<TxState> effect) {
      server.send(
          new Execute(own(execute.portal()), execute.maxRows()),
          new Reply.Forward(ClientSession.this, 'E', 0, false, effect));
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

  /** A statement prepared with Parse (PostgreSQL allows one only), and what it means. */
  private record Prepared(Command command, String sql) {
    static final Prepared UNKNOWN = new Prepared(Command.OTHER, "");

    /**
     * BEGIN TEST and ROLLBACK TEST are not SQL: the server never sees them prepared, the proxy
     * answers for them until they are executed.
     */
    boolean virtual() {
      return isTestCommand(command);
    }

    static Prepared of(String sql) {
      List<Statement> list = SqlStatements.split(sql);
      return list.size() == 1
          ? new Prepared(Command.classify(list.get(0)), list.get(0).sql())
          : new Prepared(Command.OTHER, sql);
    }
  }

  /** An answer of the proxy's making to an extended-protocol message, in its place in order. */
  private void answer(BackendMessage message) {
    server.expect(new Reply.Synthetic(this, List.of(message), null, true));
  }

  /** The server-side name of a client's statement or portal; the unnamed ones stay unnamed. */
  private String own(String name) {
    return name.isEmpty() ? name : "c" + id + "_" + name;
  }

  // ---------------------------------------------------------------- outside a test

  /** BEGIN TEST, ROLLBACK TEST and LISTEN outside a test. */
  private void outsideTest(Command command, TransactionRules.Emitter emit) {
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
            t -> server.testBegan(name),
            "BEGIN ISOLATION LEVEL "
                + TransactionalBackend.ISOLATION
                + " /* pgisolate: test "
                + TransactionRules.Comments.safe(name)
                + " */");
        emit.out(List.of(new CommandComplete("BEGIN")), null);
      }
      case ROLLBACK_TEST ->
          emit.raise(
              Errors.NO_ACTIVE_SQL_TRANSACTION, "no test is open", "BEGIN TEST 'name' opens one");
      default ->
          emit.raise(
              Errors.FEATURE_NOT_SUPPORTED,
              command.detail(),
              "the transactional proxy shares one server session among all clients; use the plain"
                  + " proxy for notifications");
    }
  }

  private static int indexOfTestCommand(List<Command> commands) {
    for (int i = 0; i < commands.size(); i++) {
      if (isTestCommand(commands.get(i)) || isListen(commands.get(i))) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isTestCommand(Command command) {
    return command.kind() == Command.Kind.BEGIN_TEST
        || command.kind() == Command.Kind.ROLLBACK_TEST;
  }

  private static boolean isListen(Command command) {
    return command.kind() == Command.Kind.REFUSED && command.detail().startsWith("LISTEN");
  }

  // ---------------------------------------------------------------- units and turns

  private void startUnit() {
    unitFailed = false;
    server.applySettings(this, null);
  }

  private void endUnitWhenAnswered() {
    server.expect(new Reply.Marker(this::unitAnswered, null));
  }

  /** Everything of the unit is answered: clean up after a failure, then ReadyForQuery. */
  private void unitAnswered() {
    if (closed) {
      return;
    }
    if (server.test() != null && confirmed.block == Block.IDLE && confirmed.savepointOpen) {
      // The implicit transaction failed (or its RELEASE was skipped): undo it.
      confirmed.savepointOpen = false;
      confirmed.pendingSettings.clear();
      boolean local = confirmed.localSettings;
      confirmed.localSettings = false;
      server.query(
          "ROLLBACK TO " + savepoint() + ";RELEASE " + savepoint(),
          error -> {
            if (error != null) {
              TransactionalBackend.log.warn("{}: undoing its statements failed: {}", this, error);
            }
            if (local) {
              server.settingsUnknown();
            }
          });
      server.expect(new Reply.Marker(this::unitEnded, null));
      server.flushServer();
      return;
    }
    unitEnded();
  }

  private void unitEnded() {
    if (closed) {
      return;
    }
    unitOpen = false;
    awaitingEnd = false;
    copyIn = false;
    if (server.test() == null) {
      confirmed.reset();
    }
    planned = confirmed.copy();
    send(new ReadyForQuery(status()));
    flush();
    if (guest || idle() && (inbox.isEmpty() || server.othersWaiting())) {
      endTurn();
    } else if (inbox.isEmpty()) {
      // In a transaction and waiting for the client: others may prepare statements meanwhile.
      server.parked(this);
      ctx.read();
    } else {
      pump();
    }
  }

  /** Hands the session on (a guest gives it back to the client it borrowed it from). */
  private void endTurn() {
    if (guest) {
      guest = false;
      // Sent before anything of the host's: the session is the host's again at once.
      server.query("ROLLBACK TO " + GUEST + ";RELEASE " + GUEST, null);
      server.flushServer();
      server.guestDone(this);
    } else {
      server.releaseTurn(this);
    }
    if (!inbox.isEmpty()) {
      server.requestTurn(this);
    } else {
      ctx.read();
    }
  }

  private char status() {
    if (guest) {
      return 'I';
    }
    return server.test() != null ? confirmed.status() : serverStatus;
  }

  private boolean idle() {
    return server.test() != null ? confirmed.block == Block.IDLE : serverStatus == 'I';
  }

  /**
   * Called by the server when this client's turn begins; as a guest, it runs one unit inside the
   * transaction of a client that is waiting for its own client program.
   */
  void turnStarted(boolean asGuest) {
    if (waitTimer != null) {
      waitTimer.cancel(false);
      waitTimer = null;
    }
    guest = asGuest;
    if (asGuest) {
      // Whatever the guest does (settings, a failed Parse) is undone before the host goes on.
      server.query("SAVEPOINT " + GUEST, null);
    }
    server.readServer(channel.isWritable());
    if (!started) {
      startUp();
    } else {
      pump();
    }
  }

  /** The session is this client's again after a guest's unit. */
  void resume() {
    if (closed) {
      undoAfterDisconnect();
    } else {
      pump();
    }
  }

  /**
   * Whether this waiting client can run inside another client's transaction without being part of
   * it: its start-up, or a unit that only prepares, describes or closes statements (which are not
   * transactional). pgbench -M prepared prepares a statement with a blocking call while another of
   * its connections is in a transaction: without this, it would wait for itself.
   */
  boolean canBeGuest() {
    if (!started) {
      return true;
    }
    for (RawMessage message : inbox) {
      char type = message.type();
      if (type == Sync.TYPE) {
        return true;
      }
      boolean describesStatement = type == Describe.TYPE && message.body().getByte(0) == 'S';
      if (type != Parse.TYPE && type != Close.TYPE && type != 'H' && !describesStatement) {
        return false;
      }
    }
    return false;
  }

  /** Between units, in a transaction (not a failed one), with nothing to do. */
  boolean waitingInTransaction() {
    boolean inTransaction =
        server.test() != null ? confirmed.block == Block.IN_TX : serverStatus == 'T';
    return inTransaction && !unitOpen && !awaitingEnd && inbox.isEmpty() && !closed && started;
  }

  /**
   * The rest of the client's start-up, now that the session is its: its settings applied, and the
   * session's parameters as they now are reported to it.
   */
  private void startUp() {
    server.applySettings(
        this,
        error -> {
          if (error != null) {
            fatal(error.sqlState(), error.message());
            return;
          }
          started = true;
          server.serverStatus().forEach((name, value) -> send(new ParameterStatus(name, value)));
          send(proxyKey);
          send(ReadyForQuery.IDLE);
          flush();
          endTurn();
        });
    server.flushServer();
  }

  void waitingSince(long nanos, Duration timeout) {
    waitTimer =
        channel
            .eventLoop()
            .schedule(() -> waitedTooLong(timeout), timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The bounded wait ran out: the unit the client sent fails with an error that says who holds the
   * session, and the client may try again.
   */
  private void waitedTooLong(Duration timeout) {
    waitTimer = null;
    if (closed || server.holds(this)) {
      return;
    }
    server.gaveUp(this);
    String message =
        "timed out after "
            + timeout.toMillis()
            + " ms waiting for the shared server session, held by "
            + server.holderDescription();
    if (!started) {
      fatal("57014", message);
      return;
    }
    // Drop the unit: up to its Query or Sync; the client gets the error and ReadyForQuery.
    while (!inbox.isEmpty()) {
      RawMessage message1 = inbox.poll();
      char type = message1.type();
      message1.release();
      if (type == Query.TYPE || type == Sync.TYPE) {
        break;
      }
    }
    send(
        new ErrorResponse(
            Map.of(
                'S', "ERROR",
                'V', "ERROR",
                'C', "57014",
                'M', message,
                'H',
                    "a client holds the session from its first statement until it is idle again;"
                        + " one holding it this long may be stuck in a transaction")));
    send(new ReadyForQuery(status()));
    flush();
    if (!inbox.isEmpty()) {
      server.requestTurn(this);
    } else {
      ctx.read();
    }
  }

  // ---------------------------------------------------------------- called by replies

  TxState confirmed() {
    return confirmed;
  }

  ClientSettings settings() {
    return settings;
  }

  /** A message to the client; flushed when the server's read is done. */
  void send(Object message) {
    if (closed) {
      ReferenceCountUtil.release(message);
      return;
    }
    channel.write(
        message instanceof RawMessage raw ? raw.content() : message, channel.voidPromise());
    writtenUnflushed = true;
  }

  void flush() {
    if (writtenUnflushed) {
      writtenUnflushed = false;
      channel.flush();
    }
  }

  /** One of the client's statements failed with {@code error}, which it is sent. */
  void failed(ErrorResponse error) {
    send(error);
    unitFailed = true;
    if (server.test() != null && confirmed.committing) {
      // A COMMIT that fails ends the transaction: it is rolled back when the unit is answered.
      confirmed.block = Block.IDLE;
      confirmed.committing = false;
    } else if (server.test() != null && confirmed.block != Block.IDLE) {
      confirmed.block = Block.FAILED;
    }
  }

  void parameterStatus(ParameterStatus status) {
    // The session's parameters are recorded by the server; the client sees its own changes.
  }

  boolean unitFailed() {
    return unitFailed;
  }

  void commandTag(RawMessage commandComplete) {
    // Tags pass unchanged; rewritten commands never reach the server under their own name.
  }

  void copyInStarted() {
    copyIn = true;
    pump();
  }

  /** The proxy's own statement finished: apply its effect, or show the client why it failed. */
  private void own(ErrorResponse error, Consumer<TxState> effect) {
    if (error != null && unitFailed) {
      // Sent behind the client's statement, which failed first: this failing too is expected.
      return;
    }
    if (error != null) {
      TransactionalBackend.log.warn("{}: the proxy's own statement failed: {}", this, error);
      failed(error);
    } else if (effect != null) {
      effect.accept(confirmed);
    }
  }

  void serverStatus(char status) {
    serverStatus = status;
  }

  /** Ends the client's connection with a FATAL error, as PostgreSQL ends a session. */
  void fatal(String sqlState, String message) {
    if (closed) {
      return;
    }
    TransactionalBackend.log.debug("{}: {}", this, message);
    channel
        .writeAndFlush(ErrorResponse.fatal(sqlState, message))
        .addListener(ChannelFutureListener.CLOSE);
    closedLocally();
  }

  private void closedLocally() {
    closed = true;
  }

  /** The client's connection closed: its work is undone and the session handed on. */
  void closed() {
    if (waitTimer != null) {
      waitTimer.cancel(false);
    }
    boolean holding = server.holds(this);
    closed = true;
    if (server.isParked(this)) {
      // A guest has the session: this client's transaction is undone when it is given back.
      inbox.forEach(ReferenceCountUtil::release);
      inbox.clear();
      return;
    }
    inbox.forEach(ReferenceCountUtil::release);
    inbox.clear();
    server.closed(this);
    if (!holding) {
      closeStatements(false);
      return;
    }
    // Bring the session back in step: end an interrupted COPY or batch, then undo the client's
    // transaction, then hand the session on.
    if (copyIn) {
      server.send(new CopyFail("client disconnected"), null);
    }
    if (unitOpen && !awaitingEnd) {
      server.send(Sync.INSTANCE, new Reply.Internal('S', null));
    }
    server.expect(new Reply.Marker(this::undoAfterDisconnect, null));
    server.flushServer();
  }

  void undoAfterDisconnect() {
    if (server.test() != null) {
      if (confirmed.savepointOpen || confirmed.block != Block.IDLE) {
        server.query("ROLLBACK TO " + savepoint() + ";RELEASE " + savepoint(), null);
      }
    } else if (serverStatus != 'I') {
      server.query("ROLLBACK", null);
    }
    closeStatements(true);
    server.expect(new Reply.Marker(() -> server.releaseTurn(this), null));
    server.flushServer();
  }

  /** The client's prepared statements go with it; they would otherwise pile up on the session. */
  private void closeStatements(boolean holding) {
    if (!holding || statements.keySet().stream().allMatch(String::isEmpty)) {
      statements.clear();
      return;
    }
    StringBuilder sql = new StringBuilder();
    for (String name : statements.keySet()) {
      if (!name.isEmpty()) {
        sql.append("DEALLOCATE ").append(Sql.identifier(own(name))).append(";");
      }
    }
    statements.clear();
    server.query(sql.toString(), null);
  }

  String describeState() {
    return confirmed.block == Block.IN_TX
        ? "in a transaction"
        : confirmed.block == Block.FAILED ? "in a failed transaction" : "running a statement";
  }

  // ---------------------------------------------------------------- TransactionRules.Context

  @Override
  public String savepoint() {
    return savepoint;
  }

  @Override
  public String isolation() {
    return TransactionalBackend.ISOLATION;
  }

  @Override
  public String test() {
    return server.test();
  }

  @Override
  public void testEnded() {
    server.testEnded();
  }

  @Override
  public void settingsChanged() {
    server.settingsUnknown();
  }

  @Override
  public void commitSettings(List<String> pending) {
    for (String statement : pending) {
      settings = settings.with(statement);
    }
    server.settingsApplied(this);
  }

  @Override
  public String toString() {
    String application = startup.parameters().get("application_name");
    return "client " + id + (application != null ? " (" + application + ")" : "");
  }
}
