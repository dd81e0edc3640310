package io.pgisolate.proxy.transactional;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.pgisolate.proxy.BackendConnection;
import io.pgisolate.proxy.BackendSessions;
import io.pgisolate.proxy.BackendTarget;
import io.pgisolate.proxy.CancelTarget;
import io.pgisolate.proxy.Channels;
import io.pgisolate.proxy.SharedBackend;
import io.pgisolate.proxy.Transport;
import io.pgisolate.proxy.protocol.MessageFramer;
import io.pgisolate.proxy.protocol.RawMessage;
import io.pgisolate.proxy.protocol.Wire;
import io.pgisolate.proxy.protocol.backend.BackendKeyData;
import io.pgisolate.proxy.protocol.backend.ErrorResponse;
import io.pgisolate.proxy.protocol.backend.ParameterStatus;
import io.pgisolate.proxy.protocol.frontend.Close;
import io.pgisolate.proxy.protocol.frontend.Query;
import io.pgisolate.proxy.protocol.frontend.StartupMessage;
import io.pgisolate.proxy.protocol.frontend.Sync;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared-transaction mode's server side: one session on PostgreSQL that every client of the
 * proxy uses in turn. A client holds the session from its first message to the ReadyForQuery that
 * leaves it idle (so through COPY, and through its whole transaction); the others wait in arrival
 * order, each for a bounded time. {@code BEGIN TEST 'name'} opens a transaction on the session and
 * {@code ROLLBACK TEST} undoes it with everything every client did meanwhile; see {@link
 * TransactionRules} for what clients' own transaction commands become. One test is open at a time:
 * a BEGIN TEST that comes while another client's test is open waits for it to end ({@link
 * TestQueue}), without its turn, so that the open test's clients go on meanwhile. A test begun
 * {@code ON DISCONNECT ROLLBACK} is rolled back by the proxy itself when the connection that began
 * it closes, as soon as no other client holds the session.
 *
 * <p>Everything here runs on the proxy's single event loop.
 */
public final class TransactionalBackend implements SharedBackend {
  static final Logger log = LoggerFactory.getLogger(TransactionalBackend.class);

  /**
   * The savepoint the test transaction is always inside: each unit of work of an idle client ends
   * with RELEASE and SAVEPOINT of it when it succeeded, ROLLBACK TO it when it failed.
   */
  static final String BASE = "pgisolate_base";

  /** The isolation level of every test transaction. */
  static final String ISOLATION = "READ COMMITTED";

  private final BackendTarget target;
  private final Duration turnTimeout;
  private final int connectTimeoutMillis;
  private final Transport transport = new Transport();
  private final TimeoutExemption timeoutExemption = new TimeoutExemption();

  private Channel server;
  private boolean connecting;
  private BackendKeyData serverKey;
  private final Map<String, String> serverStatus = new LinkedHashMap<>();
  private final ArrayDeque<Reply> replies = new ArrayDeque<>();
  private boolean skipping;

  private ClientSession holder;

  /** Prepared statements of clients that have gone, to be closed between two turns. */
  private final List<String> statementsToClose = new ArrayList<>();

  /** The proxy's own ROLLBACK of an orphaned test is under way: nobody gets the session. */
  private boolean endingOrphan;

  /** A client in a transaction that lent the session to a guest (see ClientSession#canBeGuest). */
  private ClientSession parked;

  private long heldSince;
  private final ArrayDeque<ClientSession> waiting = new ArrayDeque<>();
  private final List<ClientSession> clients = new ArrayList<>();

  /** How many clients are connected, for other threads (tests wait on it). */
  private volatile int clientCount;

  private volatile boolean closing;
  private final TestQueue tests = new TestQueue();
  private ClientSettings applied;
  private ClientSettings appliedAtTestStart;

  /**
   * @param target the PostgreSQL session all clients share (its database is every client's)
   * @param turnTimeout how long a client waits for the session before its statement fails, and a
   *     BEGIN TEST for the open test to end
   */
  public TransactionalBackend(BackendTarget target, Duration turnTimeout, Duration connectTimeout) {
    this.target = target;
    this.turnTimeout = turnTimeout;
    this.connectTimeoutMillis = (int) connectTimeout.toMillis();
  }

  @Override
  public Supplier<CancelTarget> attach(
      Channel client, StartupMessage startup, BackendKeyData proxyKey) {
    ClientSession session = new ClientSession(this, client, startup, proxyKey);
    clients.add(session);
    clientCount = clients.size();
    client.pipeline().addLast("session", session);
    client.closeFuture().addListener(f -> session.closed());
    connect(client.eventLoop());
    requestTurn(session);
    // A cancel request reaches the server only while the client's own statement runs there:
    // the first answer outstanding is one to it.
    return () ->
        server != null
                && serverKey != null
                && !replies.isEmpty()
                && replies.peek().owner() == session
            ? new CancelTarget(target.address(), serverKey)
            : null;
  }

  // ---------------------------------------------------------------- the server connection

  private void connect(EventLoop loop) {
    if (server != null || connecting) {
      return;
    }
    connecting = true;
    BackendSessions.open(
        loop,
        transport,
        timeoutExemption.applyTo(target),
        connectTimeoutMillis,
        MessageFramer.POSTGRES_MAX_MESSAGE_LENGTH,
        new Startup(loop));
  }

  /** Start-up of the shared session: keeps its parameters and key, then serves clients. */
  private final class Startup implements BackendConnection {
    private final EventLoop loop;

    Startup(EventLoop loop) {
      this.loop = loop;
    }

    @Override
    public void forward(RawMessage message) {
      if (message.type() == ParameterStatus.TYPE) {
        record(message);
      }
      message.release();
    }

    @Override
    public void ready(Channel channel, BackendKeyData backendKey, RawMessage readyForQuery) {
      readyForQuery.release();
      server = channel;
      serverKey = backendKey;
      connecting = false;
      channel.pipeline().addLast("replies", new ServerReader());
      channel.pipeline().remove("startup");
      channel.config().setAutoRead(true);
      channel
          .closeFuture()
          .addListener(
              f ->
                  lost(
                      "the transactional proxy's shared session on "
                          + target.describe()
                          + " closed",
                      "the backend was stopped or restarted, or ended the session; a test open in"
                          + " it was rolled back with it: connect again and begin the test again"));
      log.info("transactional proxy: shared session open on {}", target);
      nextTurn();
    }

    @Override
    public void refused(RawMessage errorResponse) {
      ErrorResponse error =
          Wire.decodeWhole(ErrorResponse.TYPE, errorResponse.body(), ErrorResponse::decode);
      errorResponse.release();
      if (!closing && timeoutExemption.leaveOutNewest(error)) {
        connecting = false;
        connect(loop);
        return;
      }
      lost(
          target.describe()
              + " refused the transactional proxy's shared session: "
              + error.message(),
          error
              .fields()
              .getOrDefault('H', "check the proxy's backend user, password and database"));
    }

    @Override
    public void failed(String sqlState, String message, String hint, Throwable cause) {
      lost(message, hint);
    }
  }

  /** Routes each server message to the reply at the head of the queue. */
  private final class ServerReader extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      received((RawMessage) msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (holder != null) {
        holder.flush();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.warn("transactional proxy: the shared session failed", cause);
      ctx.close();
    }
  }

  private void received(RawMessage message) {
    char type = message.type();
    if (type == ParameterStatus.TYPE) {
      record(message);
    }
    Reply head = replies.peek();
    if (head == null || type == 'A') {
      // Notifications (LISTEN is refused, so they come from before) and stray messages.
      log.debug("transactional proxy: unexpected {} from the server", Wire.describe(type));
      ReferenceCountUtil.release(message);
      return;
    }
    boolean extended = head.skippable();
    if (head.read(message)) {
      replies.poll();
      if (type == ErrorResponse.TYPE && extended) {
        skipUntilSync();
      }
      if (type == 'Z') {
        skipping = false;
      }
      runImmediate();
    }
  }

  private void record(RawMessage message) {
    ParameterStatus status =
        Wire.decodeWhole(ParameterStatus.TYPE, message.body(), ParameterStatus::decode);
    serverStatus.put(status.name(), status.value());
  }

  /**
   * After an error in the extended protocol PostgreSQL discards every message up to the next Sync
   * (PostgreSQL docs, "Extended Query"): their replies will not come.
   */
  private void skipUntilSync() {
    while (!replies.isEmpty() && replies.peek().skippable()) {
      replies.poll().dropped();
    }
    if (replies.isEmpty()) {
      skipping = true;
    }
  }

  private void runImmediate() {
    while (!replies.isEmpty() && replies.peek().immediate()) {
      replies.poll().run();
    }
  }

  /** Sends {@code message} to the server, expecting {@code reply} (null: no answer comes). */
  void send(Object message, Reply reply) {
    server.write(message instanceof RawMessage raw ? raw.content() : message, server.voidPromise());
    if (reply != null) {
      expect(reply);
    }
  }

  /** Queues a reply; one made up by the proxy runs at once when nothing is outstanding. */
  void expect(Reply reply) {
    if (skipping && reply.skippable()) {
      reply.dropped();
      return;
    }
    if (!reply.skippable()) {
      skipping = false;
    }
    replies.add(reply);
    runImmediate();
  }

  void flushServer() {
    server.flush();
  }

  /** Runs the proxy's own simple query; {@code onDone} gets its error, or null. */
  void query(String sql, Consumer<ErrorResponse> onDone) {
    send(new Query(sql), new Reply.Internal('Q', onDone));
  }

  void readServer(boolean read) {
    if (server != null && server.config().isAutoRead() != read) {
      server.config().setAutoRead(read);
    }
  }

  // ---------------------------------------------------------------- turns

  boolean holds(ClientSession session) {
    return holder == session && server != null;
  }

  void requestTurn(ClientSession session) {
    if (holder == session || tests.isWaiting(session)) {
      return;
    }
    if (waiting.contains(session)) {
      // More of its unit came (messages arrive one by one): with its Sync it may now run as a
      // guest, which it could not at its first message.
      if (holder != null && parked == null && holder.waitingInTransaction()) {
        admitGuest();
      }
      return;
    }
    waiting.add(session);
    session.waitingSince(turnTimeout);
    if (holder != null && parked == null && holder.waitingInTransaction()) {
      admitGuest();
    } else {
      nextTurn();
    }
  }

  boolean isParked(ClientSession session) {
    return parked == session;
  }

  /** The holder waits, in a transaction, for its client: a waiting guest may use the session. */
  void parked(ClientSession session) {
    if (holder == session && parked == null) {
      admitGuest();
    }
  }

  private void admitGuest() {
    for (ClientSession candidate : waiting) {
      if (candidate.canBeGuest()) {
        waiting.remove(candidate);
        parked = holder;
        holder = candidate;
        candidate.turnStarted(true);
        return;
      }
    }
  }

  /** The guest's unit is done: the session goes back to the client that lent it. */
  void guestDone(ClientSession guest) {
    if (holder != guest || parked == null) {
      return;
    }
    holder = parked;
    parked = null;
    if (holder.waitingInTransaction()) {
      // Its client has still not answered: the next guest, if any.
      admitGuest();
    } else {
      holder.resume();
    }
  }

  void releaseTurn(ClientSession session) {
    if (holder == session) {
      holder = null;
      nextTurn();
    }
  }

  boolean othersWaiting() {
    return !waiting.isEmpty();
  }

  private void nextTurn() {
    if (holder != null || server == null) {
      return;
    }
    closePendingStatements();
    if (endingOrphan) {
      return;
    }
    if (tests.orphaned()) {
      endOrphanedTest();
      return;
    }
    if (waiting.isEmpty()) {
      return;
    }
    holder = waiting.poll();
    heldSince = System.nanoTime();
    holder.turnStarted(false);
  }

  /** The client waited too long: it is taken out of the queues. */
  void gaveUp(ClientSession session) {
    waiting.remove(session);
    tests.remove(session);
  }

  /** Who holds the session, for messages about waiting. */
  String holderDescription() {
    if (holder == null) {
      return "nobody";
    }
    return holder
        + " for "
        + Duration.ofNanos(System.nanoTime() - heldSince).toMillis()
        + " ms ("
        + holder.describeState()
        + ")";
  }

  void closed(ClientSession session) {
    clients.remove(session);
    clientCount = clients.size();
    waiting.remove(session);
    tests.remove(session);
    // Its test, if orphaned, ends now when nobody holds the session, or else when the holder is
    // done (a closing holder gives the session up once its own work is undone).
    nextTurn();
  }

  /**
   * Prepared statements (server-side names) of a client that has gone: closed between two turns, at
   * once if nobody holds the session.
   */
  void closeStatements(List<String> names) {
    statementsToClose.addAll(names);
    nextTurn();
  }

  /**
   * Closes the statements of clients that have gone, with the protocol's Close, which unlike
   * DEALLOCATE is no error for a name the server does not have (a Parse that failed): it cannot
   * fail the shared transaction. Sent between two clients' units, behind whatever is still being
   * answered.
   */
  private void closePendingStatements() {
    if (statementsToClose.isEmpty()) {
      return;
    }
    for (String name : statementsToClose) {
      send(new Close('S', name), new Reply.Internal('C', null));
    }
    statementsToClose.clear();
    send(Sync.INSTANCE, new Reply.Internal('S', null));
    flushServer();
  }

  /**
   * {@code session}'s connection is closing: a test it began ON DISCONNECT ROLLBACK is orphaned.
   */
  void connectionClosing(ClientSession session) {
    if (tests.ownerClosing(session)) {
      log.warn(
          "transactional proxy: the connection of {}, which began test '{}' ON DISCONNECT ROLLBACK,"
              + " closed: the test is rolled back once the session is free",
          session,
          tests.name());
    }
  }

  /**
   * Rolls back an orphaned test, between two clients' turns: the session is then in the test's
   * transaction, every client idle in it (a client holds the session until its own transaction
   * ends), so the ROLLBACK ends exactly the test, as a ROLLBACK TEST would.
   */
  private void endOrphanedTest() {
    endingOrphan = true;
    query(
        "ROLLBACK /* pgisolate: end of test "
            + TransactionRules.Comments.safe(tests.name())
            + ", its connection closed */",
        error -> {
          endingOrphan = false;
          if (error != null) {
            // The session is in an unknown state: start over with a new one.
            lost(
                "the transactional proxy could not roll back test '"
                    + tests.name()
                    + "' on "
                    + target.describe()
                    + ": "
                    + error.message(),
                "it opens a new shared session for the next client: connect again");
            return;
          }
          testEnded();
        });
    flushServer();
  }

  // ---------------------------------------------------------------- tests and settings

  String test() {
    return tests.name();
  }

  /** See {@link TestQueue#takeLost}. */
  String takeLostTest(String name) {
    return tests.takeLost(name);
  }

  void testBegan(String name, boolean endsWithConnection, ClientSession by) {
    tests.began(name, endsWithConnection, by);
    appliedAtTestStart = applied;
    log.info("transactional proxy: test '{}' began", name);
  }

  void testEnded() {
    log.info("transactional proxy: test '{}' rolled back", tests.name());
    List<ClientSession> next = tests.ended();
    // The rollback undid every SET since the test began, and ended the server's transaction,
    // which every client last saw open.
    applied = appliedAtTestStart;
    clients.forEach(ClientSession::testRolledBack);
    // The BEGIN TESTs that waited go first, in arrival order, ahead of clients that came later.
    for (int i = next.size() - 1; i >= 0; i--) {
      waiting.addFirst(next.get(i));
      next.get(i).waitingSince(turnTimeout);
    }
    nextTurn();
  }

  /**
   * Whether a BEGIN TEST from {@code session} waits for the open test to end (see {@link
   * TestQueue#openByAnother}).
   */
  boolean testOpenByAnother(ClientSession session) {
    return tests.openByAnother(session);
  }

  /**
   * {@code session}, holding the session, sent a BEGIN TEST while another client's test is open: it
   * gives up its turn and waits for that test to end, when {@link #testEnded} lets it through.
   */
  void awaitTestEnd(ClientSession session) {
    tests.await(session);
    releaseTurn(session);
  }

  /** How long a client waits for its turn, or its BEGIN TEST for the open test to end. */
  Duration waitTimeout() {
    return turnTimeout;
  }

  /** How many clients are connected; safe from any thread. */
  int clientCount() {
    return clientCount;
  }

  /** How many BEGIN TESTs wait for the open test to end; safe from any thread. */
  int testsWaiting() {
    return tests.waitingCount();
  }

  /** The open test, for messages about waiting for it. */
  String testDescription() {
    return tests.describe();
  }

  /**
   * Makes the session's settings those of {@code session} before it runs anything: RESET ALL and
   * its own settings, when another client's are in place.
   */
  void applySettings(ClientSession session, Consumer<ErrorResponse> onDone) {
    ClientSettings wanted = session.settings();
    if (parked != null) {
      // A guest: its settings last until its savepoint is rolled back, the host's stay applied.
      if (!wanted.equals(applied)) {
        query(replay(wanted).toString(), onDone);
      } else if (onDone != null) {
        onDone.accept(null);
      }
      return;
    }
    if (wanted.equals(applied) || tests.name() != null && session.inTransaction()) {
      // In its own transaction a client's settings are in place (its SET LOCALs included).
      if (onDone != null) {
        onDone.accept(null);
      }
      return;
    }
    StringBuilder sql = replay(wanted);
    applied = wanted;
    if (tests.name() == null) {
      query(sql.toString(), error -> settingsApplied(error, onDone));
      return;
    }
    // Inside a test the settings are kept in the shared transaction like an idle client's work,
    // and a failing SET must not leave the base savepoint failed.
    query(
        sql.append(";RELEASE ").append(BASE).append(";SAVEPOINT ").append(BASE).toString(),
        error -> settingsApplied(error, onDone));
    query("ROLLBACK TO " + BASE, null);
  }

  /**
   * The statements that replace the session's settings with {@code wanted}: RESET ALL leaves the
   * session authorization and the role alone, so they are reset first (back to the proxy's own
   * user), then the client's settings are replayed.
   */
  private static StringBuilder replay(ClientSettings wanted) {
    StringBuilder sql = new StringBuilder("RESET SESSION AUTHORIZATION;RESET ALL;RESET ROLE");
    for (String statement : wanted.statements()) {
      sql.append(";").append(statement);
    }
    return sql;
  }

  private void settingsApplied(ErrorResponse error, Consumer<ErrorResponse> onDone) {
    if (error != null) {
      applied = null;
    }
    if (onDone != null) {
      onDone.accept(error);
    }
  }

  /** The session's settings changed in a way the proxy does not follow: replay before next use. */
  void settingsUnknown() {
    applied = null;
  }

  /** {@code session}'s settings are in place on the session (it just changed them there). */
  void settingsApplied(ClientSession session) {
    applied = session.settings();
  }

  Map<String, String> serverStatus() {
    return serverStatus;
  }

  // ---------------------------------------------------------------- failure and shutdown

  /**
   * The shared session is gone ({@code why}, one line naming the backend; {@code hint}, what to
   * do): every client is told, and the next one opens a new session.
   */
  private void lost(String why, String hint) {
    if (server == null && !connecting) {
      return;
    }
    if (closing) {
      log.debug("transactional proxy: {} (the proxy is stopping)", why);
    } else {
      log.warn("transactional proxy: {}", why);
    }
    connecting = false;
    if (server != null) {
      server.close();
      server = null;
    }
    serverKey = null;
    endingOrphan = false;
    statementsToClose.clear();
    tests.lost(why);
    applied = null;
    holder = null;
    parked = null;
    waiting.clear();
    List<Reply> pending = new ArrayList<>(replies);
    replies.clear();
    pending.forEach(Reply::dropped);
    for (ClientSession session : List.copyOf(clients)) {
      session.fatal("08006", why, hint);
    }
    clients.clear();
    clientCount = 0;
  }

  @Override
  public void close() {
    closing = true;
    if (server != null) {
      Channels.closeOnFlush(server);
    }
  }

  @Override
  public String toString() {
    String test = tests.name();
    return "TransactionalBackend[" + target + (test != null ? ", test '" + test + "'" : "") + "]";
  }
}
