package io.pgisolate.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.pgisolate.proxy.auth.AuthenticationFailure;
import io.pgisolate.proxy.auth.ClientAuthentication;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.MessageEncoder;
import io.pgisolate.proxy.protocol.MessageFramer;
import io.pgisolate.proxy.protocol.ProtocolException;
import io.pgisolate.proxy.protocol.RawMessage;
import io.pgisolate.proxy.protocol.Wire;
import io.pgisolate.proxy.protocol.backend.BackendKeyData;
import io.pgisolate.proxy.protocol.backend.ErrorResponse;
import io.pgisolate.proxy.protocol.backend.NegotiateProtocolVersion;
import io.pgisolate.proxy.protocol.frontend.AuthenticationResponse;
import io.pgisolate.proxy.protocol.frontend.CancelRequest;
import io.pgisolate.proxy.protocol.frontend.GssEncRequest;
import io.pgisolate.proxy.protocol.frontend.SslRequest;
import io.pgisolate.proxy.protocol.frontend.StartupMessage;
import io.pgisolate.proxy.protocol.frontend.StartupPacket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * One client connection from its first byte until it is relayed: answers SSLRequest ('S' with TLS,
 * see {@link ClientTls}) and GSSENCRequest ('N'), forwards CancelRequests, negotiates the protocol
 * version, authenticates the client, has the {@link BackendSelector} choose a server, opens the
 * session there, and then replaces itself with a {@link Relay} in both directions.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter implements BackendConnection {
  private enum State {
    STARTUP,
    AUTHENTICATING,
    CONNECTING,
    RELAYING,
    FAILED
  }

  private final ProxyServer.Shared shared;
  private ChannelHandlerContext ctx;
  private State state = State.STARTUP;
  private StartupMessage startup;
  private ClientAuthentication.Exchange exchange;
  private BackendTarget target;
  private CompletionStage<BackendTarget> selection;
  private Channel backend;
  private BackendKeyData proxyKey;
  private final List<RawMessage> early = new ArrayList<>();

  ClientHandler(ProxyServer.Shared shared) {
    this.shared = shared;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ctx.channel().closeFuture().addListener(f -> cleanUp());
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      switch (state) {
        case STARTUP -> startupPacket(msg);
        case AUTHENTICATING -> authenticate((RawMessage) msg);
        case CONNECTING -> {
          // Sent before ReadyForQuery (pipelining): kept, in order, for the backend.
          early.add((RawMessage) msg);
          msg = null;
        }
        default -> {
          // FAILED: the connection is closing, input is dropped.
        }
      }
    } catch (AuthenticationFailure e) {
      fail(e.sqlState(), e.getMessage(), null);
    } catch (ProtocolException e) {
      fail(e.sqlState(), e.getMessage(), null);
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void startupPacket(Object msg) {
    if (msg == SslRequest.INSTANCE || msg == GssEncRequest.INSTANCE) {
      // 'S' to SSLRequest when TLS is configured: the handshake, then the StartupMessage, arrive
      // through the SslHandler ClientTls put first. Otherwise 'N', and the client goes on in the
      // clear (PostgreSQL docs, "SSL Session Encryption" and "GSSAPI Session Encryption").
      byte answer = shared.tls().answer(ctx.channel(), (StartupPacket) msg);
      ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {answer})).addListener(readNext());
    } else if (msg instanceof CancelRequest cancel) {
      state = State.FAILED;
      new CancelForwarder(shared).forward(ctx.channel(), cancel);
    } else if (msg instanceof StartupMessage message) {
      shared.tls().checkStartup(ctx.channel());
      startup(message);
    } else {
      throw new ProtocolException("unexpected start-up packet " + msg);
    }
  }

  private void startup(StartupMessage message) {
    if (message.user() == null || message.user().isEmpty()) {
      throw new AuthenticationFailure(
          "28000", "no PostgreSQL user name specified in startup packet");
    }
    // Protocol 3.0 is what the proxy speaks. A newer minor version or "_pq_." options are answered
    // with NegotiateProtocolVersion, after which the client carries on with 3.0 (PostgreSQL docs,
    // "Protocol Versions" and "NegotiateProtocolVersion").
    List<String> protocolOptions = new ArrayList<>();
    Map<String, String> parameters = new LinkedHashMap<>();
    message
        .parameters()
        .forEach(
            (name, value) -> {
              if (name.startsWith("_pq_.")) {
                protocolOptions.add(name);
              } else {
                parameters.put(name, value);
              }
            });
    if (message.minorVersion() > 0 || !protocolOptions.isEmpty()) {
      ctx.write(new NegotiateProtocolVersion(0, protocolOptions));
    }
    startup = new StartupMessage(StartupMessage.PROTOCOL_3_0, parameters);
    exchange = shared.settings().clientAuthentication().start(message.user());
    send(exchange.start());
    afterAuthenticationStep();
  }

  private void authenticate(RawMessage message) {
    if (message.type() != AuthenticationResponse.TYPE) {
      throw new ProtocolException(
          "expected password response, got " + Wire.describe(message.type()));
    }
    send(exchange.next(AuthenticationResponse.decode(message.body())));
    afterAuthenticationStep();
  }

  private void send(List<BackendMessage> messages) {
    messages.forEach(ctx::write);
  }

  private void afterAuthenticationStep() {
    ctx.flush();
    if (exchange.done() && shared.settings().sharedBackend().isPresent()) {
      attachShared(shared.settings().sharedBackend().get());
    } else if (exchange.done()) {
      state = State.CONNECTING;
      selectBackend();
    } else {
      state = State.AUTHENTICATING;
      ctx.read();
    }
  }

  /** Hands the client to the backend session all clients share; it serves the client from now. */
  private void attachShared(SharedBackend backend) {
    state = State.RELAYING;
    AtomicReference<Supplier<CancelTarget>> cancelTarget = new AtomicReference<>(() -> null);
    proxyKey = shared.cancelKeys().register(() -> cancelTarget.get().get());
    ctx.pipeline().remove(this);
    cancelTarget.set(backend.attach(ctx.channel(), startup, proxyKey));
  }

  private void selectBackend() {
    selection = shared.selector().select(startup);
    selection.whenComplete(
        (selected, error) ->
            ctx.executor()
                .execute(
                    () -> {
                      if (error != null) {
                        noBackend(error);
                      } else if (!ctx.channel().isActive()) {
                        shared.selector().release(selected);
                      } else {
                        target = selected;
                        connect();
                      }
                    }));
  }

  private void connect() {
    BackendSessions.open(
            ctx.channel().eventLoop(),
            shared.transport(),
            target,
            shared.settings().connectTimeoutMillis(),
            shared.settings().maxMessageLength(),
            this)
        .addListener(
            (ChannelFutureListener)
                future -> {
                  if (!future.isSuccess()) {
                    return; // reported through failed()
                  }
                  backend = future.channel();
                  if (!ctx.channel().isActive()) {
                    backend.close();
                  } else {
                    // Before the relay runs, the start-up handler tells the client why the backend
                    // closed (its closeFuture completes before that handler hears of the close).
                    backend
                        .closeFuture()
                        .addListener(
                            f -> {
                              if (state == State.RELAYING) {
                                Channels.closeOnFlush(ctx.channel());
                              }
                            });
                  }
                });
  }

  @Override
  public void forward(RawMessage message) {
    ctx.write(message.content());
  }

  @Override
  public void ready(Channel backend, BackendKeyData backendKey, RawMessage readyForQuery) {
    if (backendKey != null) {
      CancelTarget cancelTarget = new CancelTarget(target.address(), backendKey);
      proxyKey = shared.cancelKeys().register(() -> cancelTarget);
      ctx.write(proxyKey);
    }
    ctx.writeAndFlush(readyForQuery.content());
    state = State.RELAYING;

    // Backend side: the relay takes over; bytes read behind ReadyForQuery reach it in order.
    Relay fromBackend = new Relay(ctx.channel());
    backend.pipeline().addLast("relay", fromBackend);
    backend.pipeline().remove("startup");
    backend.pipeline().remove("encoder");
    backend.pipeline().remove("framer");

    // Client side: what the client sent early goes first, then the relay takes over.
    for (RawMessage message : early) {
      backend.write(message.content());
    }
    early.clear();
    backend.flush();
    Relay fromClient = new Relay(backend);
    ctx.pipeline().addAfter(ctx.name(), "relay", fromClient);
    ctx.pipeline().remove(MessageEncoder.INSTANCE);
    ctx.pipeline().remove(this);
    ctx.pipeline().remove(MessageFramer.class);
    fromBackend.peerSettled();
    fromClient.peerSettled();
    // Each Relay switches its channel to auto-read when added (see Relay#handlerAdded).
  }

  @Override
  public void refused(RawMessage errorResponse) {
    state = State.FAILED;
    ctx.writeAndFlush(errorResponse.content()).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void failed(String sqlState, String message, String hint, Throwable cause) {
    fail(sqlState, message, hint, cause);
  }

  /**
   * The selector could not give the client a backend (a clone or a cluster that failed): its first
   * line goes to the client, all of it to the proxy's log.
   */
  private void noBackend(Throwable error) {
    Throwable cause =
        error instanceof CompletionException c && c.getCause() != null ? c.getCause() : error;
    if (ctx.channel().isActive()) {
      ProxyServer.log.warn("no backend for client {}", ctx.channel().remoteAddress(), cause);
    }
    String why = String.valueOf(cause.getMessage()).lines().findFirst().orElse("").strip();
    fail("08006", "no backend for this connection: " + why, "the proxy's log says more", null);
  }

  private void fail(String sqlState, String message, Throwable cause) {
    fail(sqlState, message, null, cause);
  }

  /** Tells the client why (a FATAL ErrorResponse, as PostgreSQL ends a session) and closes. */
  private void fail(String sqlState, String message, String hint, Throwable cause) {
    if (state == State.FAILED || state == State.RELAYING) {
      ctx.close();
      return;
    }
    state = State.FAILED;
    ProxyServer.log.debug("client {}: {}", ctx.channel().remoteAddress(), message, cause);
    if (ctx.channel().isActive()) {
      ctx.writeAndFlush(ErrorResponse.fatal(sqlState, message, hint))
          .addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof ProtocolException e) {
      fail(e.sqlState(), e.getMessage(), null);
    } else {
      ProxyServer.log.debug("client connection {} failed", ctx.channel(), cause);
      state = State.FAILED;
      ctx.close();
    }
  }

  private ChannelFutureListener readNext() {
    return future -> {
      if (future.isSuccess()) {
        ctx.read();
      }
    };
  }

  private void cleanUp() {
    early.forEach(ReferenceCountUtil::release);
    early.clear();
    if (backend != null) {
      Channels.closeOnFlush(backend);
    }
    if (proxyKey != null) {
      shared.cancelKeys().unregister(proxyKey);
    }
    if (selection != null && target == null) {
      // Still selecting (or selected, with the answer on its way here, which releases it): a
      // client that is gone must not keep waiting for a backend, e.g. hold a place in the queue
      // for a clone of a full pool.
      shared.selector().abandon(selection);
    }
    if (target != null) {
      try {
        shared.selector().release(target);
      } catch (RuntimeException e) {
        ProxyServer.log.warn("releasing backend {} failed", target, e);
      }
    }
  }
}
