package io.pgisolate.proxy;

import io.netty.channel.Channel;
import io.netty.channel.DefaultSelectStrategyFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SelectStrategyFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;

/**
 * Netty's native epoll transport where it loads (Linux), which is also what UNIX domain sockets
 * need; NIO elsewhere, TCP only.
 */
public final class Transport {
  private final boolean epoll = Epoll.isAvailable();

  /**
   * @param spin how long a loop out of work polls before it sleeps ({@link SpinBeforeSleep}); zero
   *     for Netty's default, which sleeps at once
   */
  public EventLoopGroup newGroup(int threads, ThreadFactory threadFactory, Duration spin) {
    SelectStrategyFactory strategy =
        spin.isZero()
            ? DefaultSelectStrategyFactory.INSTANCE
            : () -> SpinBeforeSleep.onThisMachine(spin);
    return epoll
        ? new EpollEventLoopGroup(threads, threadFactory, strategy)
        : new NioEventLoopGroup(threads, threadFactory, SelectorProvider.provider(), strategy);
  }

  Class<? extends ServerChannel> serverChannel(SocketAddress address) {
    if (address instanceof DomainSocketAddress) {
      requireEpoll();
      return EpollServerDomainSocketChannel.class;
    }
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  public Class<? extends Channel> clientChannel(SocketAddress address) {
    if (address instanceof DomainSocketAddress) {
      requireEpoll();
      return EpollDomainSocketChannel.class;
    }
    return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  private void requireEpoll() {
    if (!epoll) {
      throw new IllegalStateException(
          "UNIX domain sockets need Netty's native epoll transport, which did not load here: "
              + Epoll.unavailabilityCause());
    }
  }
}
