package io.pgisolate.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.pgisolate.proxy.protocol.MessageEncoder;
import io.pgisolate.proxy.protocol.MessageFramer;

/**
 * Opens a session on PostgreSQL for the proxy: connects on the given event loop with reads under
 * the caller's control, frames the server's messages, and runs the start-up ({@link
 * BackendStartupHandler}), which reports to {@code listener}.
 */
public final class BackendSessions {
  private BackendSessions() {}

  /** What to do when the backend cannot be reached. */
  static final String CONNECT_HINT =
      "check that PostgreSQL runs there and accepts connections from the proxy (its backend"
          + " address)";

  /**
   * @return the connect future; everything that fails, connecting included, is also reported to
   *     {@code listener}
   */
  public static ChannelFuture open(
      EventLoop loop,
      Transport transport,
      BackendTarget target,
      int connectTimeoutMillis,
      int maxMessageLength,
      BackendConnection listener) {
    return new Bootstrap()
        .group(loop)
        .channel(transport.clientChannel(target.address()))
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        .handler(
            new ChannelInitializer<>() {
              @Override
              protected void initChannel(Channel channel) {
                channel
                    .pipeline()
                    .addLast("framer", new MessageFramer(maxMessageLength))
                    .addLast("encoder", MessageEncoder.INSTANCE)
                    .addLast("startup", new BackendStartupHandler(target, listener));
              }
            })
        .connect(target.address())
        .addListener(
            (ChannelFutureListener)
                future -> {
                  if (!future.isSuccess()) {
                    listener.failed(
                        "08006",
                        "could not connect to "
                            + target.describe()
                            + ": "
                            + String.valueOf(future.cause().getMessage())
                                .replaceAll("\\R\\s*", " "),
                        CONNECT_HINT,
                        future.cause());
                  }
                });
  }
}
