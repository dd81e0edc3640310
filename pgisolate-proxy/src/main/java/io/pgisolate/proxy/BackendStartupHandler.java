package io.pgisolate.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.pgisolate.proxy.auth.AuthenticationFailure;
import io.pgisolate.proxy.auth.BackendAuthenticator;
import io.pgisolate.proxy.protocol.ProtocolException;
import io.pgisolate.proxy.protocol.RawMessage;
import io.pgisolate.proxy.protocol.Wire;
import io.pgisolate.proxy.protocol.backend.Authentication;
import io.pgisolate.proxy.protocol.backend.BackendKeyData;
import io.pgisolate.proxy.protocol.frontend.StartupMessage;

/**
 * Opens the session on PostgreSQL (PostgreSQL docs, "Start-up"): sends the StartupMessage,
 * authenticates with the proxy's backend credentials, keeps the BackendKeyData for cancel requests,
 * passes ParameterStatus and notices to the client, and hands over at ReadyForQuery.
 */
final class BackendStartupHandler extends ChannelInboundHandlerAdapter {
  private final BackendTarget target;
  private final BackendConnection client;
  private final BackendAuthenticator authenticator;
  private BackendKeyData backendKey;
  private boolean done;

  BackendStartupHandler(BackendTarget target, BackendConnection client) {
    this.target = target;
    this.client = client;
    this.authenticator =
        new BackendAuthenticator(target.user(), target.password(), target.describe());
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.writeAndFlush(new StartupMessage(StartupMessage.PROTOCOL_3_0, target.parameters()));
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    RawMessage frame = (RawMessage) msg;
    if (done) {
      // Behind ReadyForQuery in the same read: the relay gets it in order.
      ctx.fireChannelRead(frame);
      return;
    }
    boolean passedOn = false;
    try {
      switch (frame.type()) {
        case Authentication.TYPE ->
            authenticator
                .answer(Wire.decodeWhole(Authentication.TYPE, frame.body(), Authentication::decode))
                .ifPresent(ctx::writeAndFlush);
        case 'S', 'N' -> {
          client.forward(frame);
          passedOn = true;
        }
        case BackendKeyData.TYPE ->
            backendKey =
                Wire.decodeWhole(BackendKeyData.TYPE, frame.body(), BackendKeyData::decode);
        case 'E' -> {
          done = true;
          passedOn = true;
          client.refused(frame);
        }
        case 'v' -> {
          // NegotiateProtocolVersion: the proxy asks for 3.0 without options, nothing to adapt.
        }
        case 'Z' -> {
          done = true;
          passedOn = true;
          client.ready(ctx.channel(), backendKey, frame);
        }
        default ->
            throw new ProtocolException(
                target.describe() + " sent " + Wire.describe(frame.type()) + " during start-up");
      }
    } catch (AuthenticationFailure e) {
      done = true;
      client.failed(e.sqlState(), e.getMessage(), e.hint(), e);
    } finally {
      if (!passedOn) {
        ReferenceCountUtil.release(frame);
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (!done) {
      ctx.read();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!done) {
      done = true;
      client.failed(
          "08006",
          target.describe() + " closed the connection during start-up",
          "check that PostgreSQL listens there and admits the proxy's backend user and database;"
              + " its log says why it closed the connection",
          null);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!done) {
      done = true;
      boolean protocol = cause instanceof ProtocolException;
      client.failed(
          protocol ? ((ProtocolException) cause).sqlState() : "08006",
          protocol
              ? cause.getMessage()
              : "the connection to " + target.describe() + " failed: " + cause.getMessage(),
          protocol
              ? "check that it is PostgreSQL (protocol 3.0) that listens there"
              : "check that PostgreSQL runs there",
          cause);
    }
    ctx.close();
  }
}
