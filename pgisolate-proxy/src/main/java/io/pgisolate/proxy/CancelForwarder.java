package io.pgisolate.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import io.pgisolate.proxy.protocol.frontend.CancelRequest;
import java.util.Optional;

/**
 * Handles a CancelRequest: if its key is one the proxy issued, the request is sent with the owner's
 * backend key to the owner's server on a new connection. The client's connection is closed once
 * PostgreSQL has closed that one, i.e. has taken the request in, which is what libpq waits for.
 * Unknown keys are ignored silently, as PostgreSQL does.
 */
final class CancelForwarder {
  private final ProxyServer.Shared shared;

  CancelForwarder(ProxyServer.Shared shared) {
    this.shared = shared;
  }

  void forward(Channel client, CancelRequest request) {
    Optional<CancelTarget> target =
        shared.cancelKeys().lookup(request.processId(), request.secret());
    if (target.isEmpty()) {
      ProxyServer.log.debug("cancel request with an unknown key from {}", client.remoteAddress());
      client.close();
      return;
    }
    CancelRequest backendRequest =
        new CancelRequest(
            target.get().backendKey().processId(), target.get().backendKey().secret());
    new Bootstrap()
        .group(client.eventLoop())
        .channel(shared.transport().clientChannel(target.get().backend()))
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, shared.settings().connectTimeoutMillis())
        .handler(
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelActive(ChannelHandlerContext ctx) {
                ByteBuf out = ctx.alloc().buffer(16);
                backendRequest.encode(out);
                ctx.writeAndFlush(out);
              }

              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
              }

              @Override
              public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
              }
            })
        .connect(target.get().backend())
        .addListener(
            (ChannelFutureListener)
                future -> {
                  if (future.isSuccess()) {
                    future.channel().closeFuture().addListener(f -> client.close());
                  } else {
                    ProxyServer.log.warn(
                        "could not forward a cancel request to {}",
                        target.get().backend(),
                        future.cause());
                    client.close();
                  }
                });
  }
}
