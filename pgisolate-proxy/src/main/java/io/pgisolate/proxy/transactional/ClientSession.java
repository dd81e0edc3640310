package io.pgisolate.proxy.transactional;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgisolate.proxy.protocol.ProtocolException;
import io.pgisolate.proxy.protocol.RawMessage;
import io.pgisolate.proxy.protocol.Wire;
import io.pgisolate.proxy.protocol.backend.BackendKeyData;
import io.pgisolate.proxy.protocol.backend.ErrorResponse;
import io.pgisolate.proxy.protocol.backend.ParameterStatus;
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
import java.time.Duration;
import java.util.ArrayDeque;
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

  /** Messages read ahead of the client's turns before reading from it stops. */
  private static final int MAX_INBOX = 128;

  private final int id = IDS.incrementAndGet();
  private final TransactionalBackend server;
  private final Channel channel;
  private final StartupMessage startup;
  private final BackendKeyData proxyKey;
  private final TransactionRules rules = new TransactionRules(this);
  private final SimpleQueries simple;
  private final ExtendedMessages extended;
  private ChannelHandlerContext ctx;

  private final ArrayDeque<RawMessage> inbox = new ArrayDeque<>();
  private ClientSettings settings;

  private final TxState confirmed = new TxState(true);
  private TxState planned = confirmed.copy();

  private boolean started;
  private boolean awaitingEnd;
  private boolean copyIn;

  /** The unit's Sync reached the server before its COPY began, which ignored it (copyInStarted). */
  private boolean syncAhead;

  private boolean unitFailed;
  private boolean closed;
  private boolean guest;
  private boolean detached;
  private boolean writtenUnflushed;
  // A unit failed while it waited, before its Sync came: what remains of it is dropped.
  private boolean skippingUntilSync;
  private char serverStatus = 'I';
  private ScheduledFuture<?> waitTimer;

  /** Bounds the wait of a BEGIN TEST for another client's test to end (see TestQueue). */
  private ScheduledFuture<?> testWaitTimer;

  ClientSession(
      TransactionalBackend server, Channel channel, StartupMessage startup, BackendKeyData key) {
    this.server = server;
    this.channel = channel;
    this.startup = startup;
    this.proxyKey = key;
    this.settings = ClientSettings.fromStartup(startup.parameters());
    this.simple = new SimpleQueries(this, server, rules);
    this.extended = new ExtendedMessages(this, server, rules, id);
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
    if (skippingUntilSync) {
      skipUntilSync(message);
      return;
    }
    inbox.add(message);
    if (inbox.size() >= MAX_INBOX && channel.config().isAutoRead()) {
      // A client that sends faster than its turns come: stop reading it for now.
      channel.config().setAutoRead(false);
    }
    if (server.holds(this)) {
      pump();
    } else if (started && !server.isParked(this) && !detached) {
      server.requestTurn(this);
    }
  }

  /** The rest of a unit that failed before its Sync came (see {@link #failWaitingUnit}). */
  private void skipUntilSync(RawMessage message) {
    char type = message.type();
    message.release();
    if (type == Sync.TYPE) {
      skippingUntilSync = false;
      send(new ReadyForQuery(status()));
      flush();
    } else if (type == 'X') {
      channel.close();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (inbox.isEmpty()) {
      readMore();
    }
  }

  /**
   * Reads from the client again. Reading stays on while the inbox is short: turning it off and on
   * around every statement would cost two epoll_ctl calls per statement.
   */
  private void readMore() {
    if (!channel.config().isAutoRead()) {
      channel.config().setAutoRead(true);
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
        readMore();
        break;
      }
      char type = message.type();
      boolean copyData = type == 'd' || type == 'c' || type == 'f';
      if (copyIn && !copyData && type != Sync.TYPE && type != 'H') {
        abortCopy(inbox.poll());
        return;
      }
      if (awaitingEnd && !(copyIn && copyData) && !(syncAhead && type == Sync.TYPE)) {
        break;
      }
      inbox.poll();
      boolean handled;
      try {
        handled = handle(message);
      } catch (ProtocolException e) {
        fatal(e.sqlState(), e.getMessage());
        return;
      }
      if (!handled) {
        // A BEGIN TEST while another client's test is open: it stays first in the inbox, and the
        // session goes to the others, whose statements belong to the open test.
        inbox.addFirst(message);
        awaitTestEnd();
        return;
      }
      if (testWaitTimer != null) {
        // The BEGIN TEST that waited is under way: the other test has ended.
        testWaitTimer.cancel(false);
        testWaitTimer = null;
      }
    }
    if (server.holds(this)) {
      server.flushServer();
    }
  }

  /**
   * A message other than the copy's in the middle of COPY FROM STDIN (a client that broke the
   * protocol). PostgreSQL fails the COPY at it and, having lost its place in the client's stream,
   * ends the connection (PostgreSQL docs, "COPY Operations"; postgres.c, "protocol synchronization
   * was lost"). So does the proxy, whose clean-up fails the COPY on the shared session and undoes
   * the client's work; left to wait behind a COPY that never ends, the message would hold the
   * session for good.
   */
  private void abortCopy(RawMessage message) {
    char type = message.type();
    message.release();
    fatal(
        "08P01",
        String.format("unexpected message type 0x%02X during COPY from stdin", (int) type));
  }

  /**
   * Handles one message of the client's; false, leaving it unconsumed, when it begins a BEGIN TEST
   * that must wait for another client's test to end (see {@link #waitsForTest}): a Query, or the
   * Bind of a unit.
   */
  private boolean handle(RawMessage message) {
    char type = message.type();
    switch (type) {
      case Query.TYPE -> {
        Query query = Wire.decodeWhole(Query.TYPE, message.body(), Query::decode);
        if (!simple.query(query.sql())) {
          return false;
        }
        message.release();
      }
      case 'F' -> simple.functionCall(message);
      case Parse.TYPE -> extended.parse(message);
      case Bind.TYPE -> {
        return extended.bind(message);
      }
      case Describe.TYPE -> extended.describe(message);
      case Close.TYPE -> extended.close(message);
      case Execute.TYPE -> extended.execute(message);
      case Sync.TYPE -> {
        message.release();
        if (syncAhead) {
          // The Sync that ends a COPY whose unit's first Sync went ahead (see copyInStarted): it
          // gets the ReadyForQuery already expected.
          syncAhead = false;
          server.send(Sync.INSTANCE, null);
          server.flushServer();
        } else {
          extended.sync();
        }
      }
      case 'H' -> {
        server.send(message, null);
        // What the proxy answered itself (a prepared BEGIN TEST) goes out now: the server may have
        // nothing to send, and so nothing would flush it.
        flush();
      }
      case 'd', 'c', 'f' -> {
        if (type != 'd') {
          copyIn = false;
        }
        server.send(message, null);
      }
      case 'X' -> {
        message.release();
        channel.close();
      }
      default -> {
        message.release();
        throw new ProtocolException("invalid frontend message type " + (int) type);
      }
    }
    return true;
  }

  /**
   * Whether a BEGIN TEST that begins this client's next unit waits for the open test to end: it
   * does when another client's test is open. In its own test, or inside a transaction of its own,
   * the client would wait for itself, and its BEGIN TEST fails at once (TransactionRules); a guest
   * only prepares statements.
   */
  boolean waitsForTest() {
    return !guest && confirmed.block == Block.IDLE && server.testOpenByAnother(this);
  }

  /** Gives up the session until the open test ends; bounded by the proxy's wait timeout. */
  private void awaitTestEnd() {
    if (testWaitTimer == null) {
      // From the BEGIN TEST's arrival: a wait that a newer test cut in on keeps its deadline.
      Duration timeout = server.waitTimeout();
      testWaitTimer =
          channel
              .eventLoop()
              .schedule(
                  () -> testWaitedTooLong(timeout), timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
    server.awaitTestEnd(this);
  }

  /** The open test did not end in time: the BEGIN TEST fails, the open test goes on. */
  private void testWaitedTooLong(Duration timeout) {
    testWaitTimer = null;
    if (closed || server.holds(this)) {
      return;
    }
    // Also out of the turns' queue, if the test ended and its turn had not come yet.
    server.gaveUp(this);
    failWaitingUnit(
        "timed out after "
            + timeout.toMillis()
            + " ms waiting for "
            + server.testDescription()
            + " to end: BEGIN TEST waits while another test is open",
        "a transactional proxy runs one test at a time and others queue for it; a test open this"
            + " long was not ended with ROLLBACK TEST (its client was killed, or left it open:"
            + " BEGIN TEST 'name' ON DISCONNECT ROLLBACK ends a test when its connection closes),"
            + " or takes longer than the proxy's wait timeout (--wait-timeout)");
  }

  // ---------------------------------------------------------------- units and turns

  void startUnit() {
    unitFailed = false;
    server.applySettings(this, null);
  }

  void endUnitWhenAnswered() {
    server.expect(new Reply.Marker(this::unitAnswered, null));
  }

  /**
   * A unit that runs a COPY: COPY FROM STDIN puts the server in copy mode, where anything but the
   * copy's messages breaks the protocol, so its implicit transaction is closed ({@code
   * closeImplicit}, unless the unit failed) only once the unit has been answered, then the unit
   * ends.
   */
  void endCopyUnitWhenAnswered(Runnable closeImplicit) {
    server.expect(
        new Reply.Marker(
            () -> {
              if (closed) {
                return;
              }
              replan();
              if (!unitFailed) {
                closeImplicit.run();
              }
              endUnitWhenAnswered();
              server.flushServer();
            },
            null));
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
          "ROLLBACK TO " + savepoint(),
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
    detached = false;
    if (server.test() == null) {
      ownTransactionAnswered();
    }
    // A message answered by the proxy before the next unit begins (see ExtendedMessages#parse) is
    // not one of a failed unit.
    unitFailed = false;
    extended.unitEnded();
    awaitingEnd = false;
    copyIn = false;
    syncAhead = false;
    planned = confirmed.copy();
    send(new ReadyForQuery(status()));
    flush();
    if (guest || idle() && (inbox.isEmpty() || server.othersWaiting())) {
      endTurn();
    } else if (inbox.isEmpty()) {
      // In a transaction and waiting for the client: others may prepare statements meanwhile.
      server.parked(this);
      readMore();
    } else if (server.holds(this)) {
      pump();
    } else {
      // Its unit ran without holding the session (pipelined, see detach) and what the client sent
      // meanwhile did not ask for a turn: it asks now, or it would wait for nothing.
      server.requestTurn(this);
    }
  }

  /**
   * Outside a test, where the client's transaction is the server's own: once the session is idle
   * again, the SETs followed in it that its COMMIT or ROLLBACK did not settle are those of the
   * unit's implicit transaction, committed if nothing in the unit failed, else rolled back. In a
   * block still open they wait for its end. Kept SETs are the client's, replayed before its turns
   * after other clients': otherwise the session would hold them while the proxy believes it holds
   * this client's known settings, and a client with the same start-up settings would see them.
   */
  private void ownTransactionAnswered() {
    if (serverStatus != 'I' && !guest) {
      return;
    }
    if (!unitFailed && !guest && !confirmed.pendingSettings.isEmpty()) {
      commitSettings(List.copyOf(confirmed.pendingSettings));
    }
    confirmed.reset();
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
      readMore();
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
    return inTransaction
        && !extended.unitOpen()
        && !awaitingEnd
        && inbox.isEmpty()
        && !closed
        && started;
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

  /** The unit waits no more, for a turn or for a test to end. */
  private void cancelWaits() {
    if (waitTimer != null) {
      waitTimer.cancel(false);
      waitTimer = null;
    }
    if (testWaitTimer != null) {
      testWaitTimer.cancel(false);
      testWaitTimer = null;
    }
  }

  void waitingSince(Duration timeout) {
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
    failWaitingUnit(
        message,
        "a client holds the session from its first statement until it is idle again;"
            + " one holding it this long may be stuck in a transaction");
  }

  /**
   * The waiting unit fails (SQLSTATE 57014, as for statement_timeout): it is dropped, up to its
   * Query or Sync, and the client gets the error and ReadyForQuery, and may try again.
   */
  private void failWaitingUnit(String message, String hint) {
    cancelWaits();
    boolean unitDropped = false;
    while (!inbox.isEmpty() && !unitDropped) {
      RawMessage dropped = inbox.poll();
      char type = dropped.type();
      dropped.release();
      unitDropped = type == Query.TYPE || type == Sync.TYPE;
    }
    send(
        new ErrorResponse(
            Map.of('S', "ERROR", 'V', "ERROR", 'C', "57014", 'M', message, 'H', hint)));
    if (unitDropped) {
      send(new ReadyForQuery(status()));
    } else {
      // Its Sync has not come yet. As PostgreSQL after an error in an extended-protocol unit: the
      // rest of the unit is skipped, and the Sync gets the one ReadyForQuery (two would put the
      // client's replies out of step with its requests).
      skippingUntilSync = true;
    }
    flush();
    if (!inbox.isEmpty()) {
      server.requestTurn(this);
    } else {
      readMore();
    }
  }

  // ---------------------------------------------------------------- called by replies

  TxState confirmed() {
    return confirmed;
  }

  /** The state the client's next statements are planned against. */
  TxState planned() {
    return planned;
  }

  /** Everything sent is answered: plan from the confirmed state again. */
  void replan() {
    planned = confirmed.copy();
  }

  /** A Query, FunctionCall or Sync is out: nothing more is sent until it is answered. */
  void awaitEnd() {
    awaitingEnd = true;
  }

  /**
   * Sent behind an idle client's unit that ends by releasing and re-opening the base savepoint:
   * after a failure the base savepoint is failed and this restores it; after a success it is a
   * fresh, empty savepoint, and this changes nothing. So the unit needs no clean-up that waits for
   * its answer.
   */
  void heal() {
    server.query(
        "ROLLBACK TO " + TransactionalBackend.BASE,
        error -> {
          confirmed.savepointOpen = false;
          // Left only by a unit that failed (one that succeeded committed them, see
          // TransactionRules#committed): the rollback undid its SETs, so they are not the client's.
          confirmed.pendingSettings.clear();
          if (confirmed.localSettings) {
            confirmed.localSettings = false;
            server.settingsUnknown();
          }
        });
  }

  /**
   * The unit just sent leaves the session clean whatever its outcome (see {@link #heal}), and
   * changes no settings: the next client may send its own behind it without waiting for the answer.
   * Clients then share the session in a pipeline, which is what keeps a single server session busy.
   */
  void detach() {
    if (guest || !server.holds(this)) {
      return;
    }
    server.flushServer();
    detached = true;
    server.releaseTurn(this);
  }

  /** In a client transaction of its own, within the test (failed or not). */
  boolean inTransaction() {
    return confirmed.block != Block.IDLE;
  }

  /** Running one unit inside another client's transaction (see {@link #canBeGuest}). */
  boolean isGuest() {
    return guest;
  }

  boolean isClosed() {
    return closed;
  }

  /** The shared session's own transaction status at the client's last ReadyForQuery. */
  char serverStatus() {
    return serverStatus;
  }

  io.netty.buffer.ByteBufAllocator alloc() {
    return channel.alloc();
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
    } else if (confirmed.block != Block.IDLE) {
      // Outside a test too (where the block is followed only for its SETs, see
      // TransactionRules#followedOutsideTest): its COMMIT will roll back.
      confirmed.block = Block.FAILED;
    }
  }

  boolean unitFailed() {
    return unitFailed;
  }

  void copyInStarted() {
    // In the extended protocol the unit's Sync has gone to the server already when the client
    // sent it with the COPY's Execute (as libpq and tokio-postgres do, before they know it is a
    // COPY; the proxy itself sends one for a client that left mid-unit). In copy mode the server
    // ignores it: the ReadyForQuery expected for it comes for the next Sync.
    boolean syncSent = extended.unitOpen() && (awaitingEnd || closed);
    if (closed) {
      // The client went while its COPY waited to start (for a lock): nobody will send its data or
      // end it. Failing it ends the unit, and the clean-up queued behind it undoes the rest.
      server.send(new CopyFail("client disconnected"), null);
      if (syncSent) {
        server.send(Sync.INSTANCE, null);
      }
      server.flushServer();
      return;
    }
    copyIn = true;
    syncAhead = syncSent;
    pump();
  }

  /** The proxy's own statement finished: apply its effect, or show the client why it failed. */
  void ownStatementDone(ErrorResponse error, Consumer<TxState> effect) {
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

  /**
   * The test was rolled back, by this client or another: the server's transaction is gone, and this
   * client's in it, with the SETs it made there, which must not be taken for those of a transaction
   * outside the test (see {@link TransactionRules#followedOutsideTest}).
   */
  void testRolledBack() {
    serverStatus = 'I';
    confirmed.reset();
  }

  /** Ends the client's connection with a FATAL error, as PostgreSQL ends a session. */
  void fatal(String sqlState, String message) {
    fatal(sqlState, message, null);
  }

  void fatal(String sqlState, String message, String hint) {
    if (closed) {
      return;
    }
    TransactionalBackend.log.debug("{}: {}", this, message);
    channel
        .writeAndFlush(ErrorResponse.fatal(sqlState, message, hint))
        .addListener(ChannelFutureListener.CLOSE);
    closed = true;
  }

  /** The client's connection closed: its work is undone and the session handed on. */
  void closed() {
    // First, so that a test this client began ON DISCONNECT ROLLBACK is ended once the session is
    // free, whatever this client was doing.
    server.connectionClosing(this);
    cancelWaits();
    boolean holding = server.holds(this);
    closed = true;
    if (server.isParked(this)) {
      // A guest has the session: this client's transaction is undone when it is given back.
      inbox.forEach(ReferenceCountUtil::release);
      inbox.clear();
      server.closed(this);
      return;
    }
    inbox.forEach(ReferenceCountUtil::release);
    inbox.clear();
    server.closed(this);
    if (!holding) {
      closeStatements();
      return;
    }
    // Bring the session back in step: end an interrupted COPY or batch, then undo the client's
    // transaction, then hand the session on.
    if (copyIn) {
      server.send(new CopyFail("client disconnected"), null);
    }
    if (syncAhead) {
      // The unit's Sync went ahead of its COPY and was ignored in copy mode: its answer comes
      // for this one.
      syncAhead = false;
      server.send(Sync.INSTANCE, null);
    } else if (extended.unitOpen() && !awaitingEnd) {
      // Answered as the client's own Sync: its ReadyForQuery tells whether the unit left the
      // session in a transaction (a BEGIN outside a test), which is then rolled back.
      server.send(Sync.INSTANCE, new Reply.Forward(this, 'S', 0, false, null));
    }
    server.expect(new Reply.Marker(this::undoAfterDisconnect, null));
    server.flushServer();
  }

  void undoAfterDisconnect() {
    if (guest) {
      // A guest only ever changed its own savepoint, inside the transaction of the client that
      // lent it the session, which gets it back.
      guest = false;
      server.query("ROLLBACK TO " + GUEST + ";RELEASE " + GUEST, null);
      closeStatements();
      server.expect(new Reply.Marker(() -> server.guestDone(this), null));
      server.flushServer();
      return;
    }
    if (server.test() != null) {
      if (confirmed.savepointOpen || confirmed.block != Block.IDLE) {
        server.query("ROLLBACK TO " + savepoint(), null);
      }
    } else if (serverStatus != 'I') {
      server.query("ROLLBACK", null);
    }
    closeStatements();
    server.expect(new Reply.Marker(() -> server.releaseTurn(this), null));
    server.flushServer();
  }

  /** The client has gone: its prepared statements are closed once the session is free. */
  private void closeStatements() {
    server.closeStatements(extended.takeStatementNames());
  }

  String describeState() {
    return confirmed.block == Block.IN_TX
        ? "in a transaction"
        : confirmed.block == Block.FAILED ? "in a failed transaction" : "running a statement";
  }

  // ---------------------------------------------------------------- TransactionRules.Context

  @Override
  public String savepoint() {
    return TransactionalBackend.BASE;
  }

  @Override
  public String isolation() {
    return TransactionalBackend.ISOLATION;
  }

  @Override
  public String test() {
    // In an extended-protocol unit, the test its earlier BEGIN TEST or ROLLBACK TEST will leave.
    return extended.plannedTest();
  }

  @Override
  public void testBegan(String name, boolean endsWithConnection) {
    // SETs earlier in its unit ran in the implicit transaction BEGIN TEST made the test's: ROLLBACK
    // TEST undoes them, they are not the client's.
    confirmed.reset();
    server.testBegan(name, endsWithConnection, this);
    if (closed) {
      // The connection closed while its BEGIN TEST was on its way: the test is orphaned at once.
      server.connectionClosing(this);
    }
  }

  @Override
  public String takeLostTest(String name) {
    return server.takeLostTest(name);
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
