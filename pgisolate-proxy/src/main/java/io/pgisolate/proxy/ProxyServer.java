package io.pgisolate.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pgisolate.PgIsolateException;
import io.pgisolate.proxy.auth.ClientAuthentication;
import io.pgisolate.proxy.protocol.MessageEncoder;
import io.pgisolate.proxy.protocol.MessageFramer;
import io.pgisolate.proxy.protocol.frontend.StartupPacketDecoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL wire-protocol proxy: clients connect over TCP or a UNIX socket as they would to
 * PostgreSQL, are authenticated by the proxy, and are relayed to the server their {@link
 * BackendSelector} chooses.
 *
 * <pre>{@code
 * try (ProxyServer proxy = ProxyServer.builder()
 *     .backend("127.0.0.1", 5432).backendUser("postgres").backendPassword("secret")
 *     .start()) {
 *   // jdbc:postgresql://127.0.0.1:<proxy.port()>/postgres
 * }
 * }</pre>
 */
public final class ProxyServer implements AutoCloseable {
  static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

  /**
   * The longest message a client may send before it is relayed (authentication, or pipelined ahead
   * of ReadyForQuery): what the proxy buffers for a client it has not authenticated yet.
   * PostgreSQL's own limit for authentication messages is 65,535 bytes (PG_MAX_AUTH_TOKEN_LENGTH).
   */
  static final int MAX_STARTUP_PHASE_MESSAGE = 1 << 16;

  /** What every connection shares. */
  record Shared(ProxySettings settings, Transport transport, CancelKeys cancelKeys, ClientTls tls) {
    BackendSelector selector() {
      return settings.backendSelector();
    }
  }

  private final ProxySettings settings;
  private final EventLoopGroup group;
  private final List<Channel> listeners;
  private final InetSocketAddress address;
  private final Optional<Path> unixSocket;
  private final CancelKeys cancelKeys;

  private ProxyServer(
      ProxySettings settings,
      EventLoopGroup group,
      List<Channel> listeners,
      InetSocketAddress address,
      Optional<Path> unixSocket,
      CancelKeys cancelKeys) {
    this.settings = settings;
    this.group = group;
    this.listeners = listeners;
    this.address = address;
    this.unixSocket = unixSocket;
    this.cancelKeys = cancelKeys;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Binds the listeners; the proxy serves until {@link #close()}. */
  public static ProxyServer start(ProxySettings settings) {
    Transport transport = new Transport();
    CancelKeys cancelKeys = new CancelKeys();
    Shared shared = new Shared(settings, transport, cancelKeys, ClientTls.of(settings.tls()));
    EventLoopGroup group =
        transport.newGroup(
            settings.eventLoopThreads(),
            new DefaultThreadFactory("pgisolate-proxy"),
            settings.spinBeforeSleep());
    List<Channel> listeners = new ArrayList<>();
    try {
      Channel tcp = bind(shared, group, settings.listenAddress());
      listeners.add(tcp);
      InetSocketAddress bound = (InetSocketAddress) tcp.localAddress();
      Optional<Path> socket =
          settings.unixSocketDirectory().map(dir -> dir.resolve(".s.PGSQL." + bound.getPort()));
      if (socket.isPresent()) {
        listeners.add(bind(shared, group, new DomainSocketAddress(socket.get().toFile())));
      }
      log.info(
          "pgisolate proxy listening on {}{}{}",
          bound,
          settings.tls().map(t -> t.required() ? " (TLS required)" : " (TLS offered)").orElse(""),
          socket.map(s -> " and " + s).orElse(""));
      return new ProxyServer(settings, group, listeners, bound, socket, cancelKeys);
    } catch (RuntimeException e) {
      listeners.forEach(Channel::close);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  private static Channel bind(Shared shared, EventLoopGroup group, SocketAddress address) {
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(shared.transport().serverChannel(address))
            .childOption(ChannelOption.AUTO_READ, false)
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel channel) {
                    shared.tls().initChannel(channel);
                    channel
                        .pipeline()
                        .addLast("startup", new StartupPacketDecoder(MAX_STARTUP_PHASE_MESSAGE))
                        .addLast("encoder", MessageEncoder.INSTANCE)
                        .addLast("client", new ClientHandler(shared));
                  }
                });
    ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      throw cannotListen(address, bound.cause());
    }
    return bound.channel();
  }

  /** One line, "what: why. Hint: what to do", for the reasons a user can do something about. */
  private static PgIsolateException cannotListen(SocketAddress address, Throwable cause) {
    String where;
    String hint;
    String why =
        String.valueOf(cause.getMessage())
            .replaceFirst("^bind\\(\\.\\.\\) failed with error\\(-?\\d+\\): ", "");
    if (address instanceof InetSocketAddress inet) {
      where = inet.getHostString() + ":" + inet.getPort();
      if (inet.isUnresolved()) {
        why = "the host name cannot be resolved";
        hint = "give an IP address or a resolvable host name to listen on.";
      } else if (why.contains("Address already in use")) {
        why = "the address is already in use";
        hint = "choose another port, or leave the port unset to get a free one.";
      } else {
        hint = "give an address of this machine to listen on, e.g. 127.0.0.1 or 0.0.0.0.";
      }
    } else {
      where = address instanceof DomainSocketAddress unix ? unix.path() : address.toString();
      hint = "check that the socket directory exists and is writable.";
    }
    return new PgIsolateException(
        "the proxy could not listen on " + where + ": " + why + ". Hint: " + hint, cause);
  }

  /** The TCP address the proxy listens on (with the chosen port when port 0 was asked for). */
  public InetSocketAddress address() {
    return address;
  }

  public String host() {
    return address.getHostString();
  }

  public int port() {
    return address.getPort();
  }

  /** The UNIX socket file ({@code <dir>/.s.PGSQL.<port>}), if one was asked for. */
  public Optional<Path> unixSocket() {
    return unixSocket;
  }

  public ProxySettings settings() {
    return settings;
  }

  /** Cancel keys issued and not yet released: one per relayed connection. */
  int activeCancelKeys() {
    return cancelKeys.size();
  }

  /** Stops listening, closes every connection and removes the socket file. */
  @Override
  public void close() {
    listeners.forEach(channel -> channel.close().syncUninterruptibly());
    settings.sharedBackend().ifPresent(SharedBackend::close);
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    unixSocket.ifPresent(
        path -> {
          try {
            Files.deleteIfExists(path);
          } catch (IOException e) {
            throw new UncheckedIOException("could not remove the proxy's socket " + path, e);
          }
        });
  }

  @Override
  public String toString() {
    return "ProxyServer[" + address + unixSocket.map(s -> ", " + s).orElse("") + "]";
  }

  /** Builds a {@link ProxySettings}; every option is checked when it is set or at start. */
  public static final class Builder {
    /** Polling longer than this would only burn CPU: PostgreSQL answers a query in far less. */
    static final Duration MAX_SPIN = Duration.ofMillis(10);

    private String listenHost = "127.0.0.1";
    private int port;
    private Path unixSocketDirectory;
    private SocketAddress backendAddress;
    private String backendUser;
    private String backendPassword;
    private BackendSelector backendSelector;
    private SharedBackend sharedBackend;
    private ClientAuthentication clientAuthentication = ClientAuthentication.trust();
    private TlsSettings tls;
    private boolean tlsRequired;
    private int maxMessageLength = MessageFramer.POSTGRES_MAX_MESSAGE_LENGTH;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private int eventLoopThreads =
        defaultEventLoopThreads(Runtime.getRuntime().availableProcessors());
    private Duration spinBeforeSleep = SpinBeforeSleep.DEFAULT;

    private Builder() {}

    /** The address to listen on; default 127.0.0.1. */
    public Builder listenAddress(String host) {
      this.listenHost = Objects.requireNonNull(host, "listenAddress");
      return this;
    }

    /** The TCP port; default 0, a free port (see {@link ProxyServer#port()}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Also listen on {@code <directory>/.s.PGSQL.<port>}, so libpq's {@code host=<directory>}
     * works. Needs the native epoll transport (Linux).
     */
    public Builder unixSocketDirectory(Path directory) {
      this.unixSocketDirectory = Objects.requireNonNull(directory, "unixSocketDirectory");
      return this;
    }

    /** The PostgreSQL server to relay to, over TCP. */
    public Builder backend(String host, int port) {
      this.backendAddress = new InetSocketAddress(host, port);
      return this;
    }

    /** The PostgreSQL server to relay to, through its socket file ({@code .s.PGSQL.5432}). */
    public Builder backendSocket(Path socketFile) {
      this.backendAddress = new DomainSocketAddress(socketFile.toFile());
      return this;
    }

    /** The user the proxy logs in as on PostgreSQL, whoever the client is. */
    public Builder backendUser(String user) {
      this.backendUser = Objects.requireNonNull(user, "backendUser");
      return this;
    }

    /** The password of {@link #backendUser}; not needed when PostgreSQL trusts the proxy. */
    public Builder backendPassword(String password) {
      this.backendPassword = password;
      return this;
    }

    /** Chooses a backend per connection, instead of {@link #backend} and its credentials. */
    public Builder backendSelector(BackendSelector selector) {
      this.backendSelector = Objects.requireNonNull(selector, "backendSelector");
      return this;
    }

    /**
     * Serves all clients on one shared backend session (the shared-transaction mode) instead of a
     * backend connection per client. The proxy then runs one event loop thread.
     */
    public Builder sharedBackend(SharedBackend backend) {
      this.sharedBackend = Objects.requireNonNull(backend, "sharedBackend");
      return this;
    }

    /** How clients are authenticated by the proxy; default trust. */
    public Builder clientAuthentication(ClientAuthentication authentication) {
      this.clientAuthentication = Objects.requireNonNull(authentication, "clientAuthentication");
      return this;
    }

    /**
     * Offers TLS to clients over TCP, with this certificate chain (PEM, the proxy's certificate
     * first) and its private key (unencrypted PKCS#8 PEM, {@code -----BEGIN PRIVATE KEY-----}):
     * SSLRequest is answered 'S', and a PostgreSQL 17 client's direct TLS handshake ({@code
     * sslnegotiation=direct}, ALPN "postgresql") is accepted. Without it every SSLRequest is
     * answered 'N'. Both files are read and checked now.
     *
     * @throws IllegalArgumentException naming the file that is missing, unreadable, of the wrong
     *     format, or (the key) not the certificate's
     */
    public Builder tls(Path certificateChain, Path privateKey) {
      this.tls =
          TlsSettings.load(
              Objects.requireNonNull(certificateChain, "certificateChain"),
              Objects.requireNonNull(privateKey, "privateKey"));
      return this;
    }

    /**
     * Refuses clients over TCP that do not use TLS (a FATAL error asks for sslmode=require); needs
     * {@link #tls}. The UNIX socket is local and stays cleartext, as PostgreSQL's does. Default
     * false.
     */
    public Builder tlsRequired(boolean required) {
      this.tlsRequired = required;
      return this;
    }

    /** The largest message the proxy decodes; default PostgreSQL's own limit, 1 GiB - 2. */
    public Builder maxMessageLength(int bytes) {
      if (bytes < 5) {
        throw new IllegalArgumentException("maxMessageLength must be at least 5, was " + bytes);
      }
      this.maxMessageLength = bytes;
      return this;
    }

    /** How long to wait for PostgreSQL to accept a connection; default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "connectTimeout must be positive and below 24 days, was " + timeout);
      }
      this.connectTimeout = timeout;
      return this;
    }

    /**
     * The default number of event loop threads: one per four CPUs, at least one. Relaying costs the
     * proxy little next to what PostgreSQL and the clients spend on the same machine, and one loop
     * serving many connections handles several ready sockets per epoll_wait. On 2 cores, pgbench -S
     * through the proxy with 2 loops cost ~19-21 us of proxy CPU per transaction against ~16 us
     * with 1, and had lower TPS at -c 8 and -c 32.
     */
    static int defaultEventLoopThreads(int cpus) {
      return Math.max(1, cpus / 4);
    }

    /** Event loop threads; default one per four CPUs, at least one. */
    public Builder eventLoopThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("eventLoopThreads must be at least 1, was " + threads);
      }
      this.eventLoopThreads = threads;
      return this;
    }

    /**
     * How long an event loop that ran out of work keeps polling before it sleeps; default 50 µs,
     * {@link Duration#ZERO} to sleep at once. Polling saves a wake-up per message when one client
     * talks to PostgreSQL back and forth (see {@link SpinBeforeSleep}); it yields the CPU between
     * polls and an idle proxy sleeps.
     */
    public Builder spinBeforeSleep(Duration spin) {
      Objects.requireNonNull(spin, "spinBeforeSleep");
      if (spin.isNegative() || spin.compareTo(MAX_SPIN) > 0) {
        throw new IllegalArgumentException(
            "spinBeforeSleep must be between 0 and " + MAX_SPIN.toMillis() + " ms, was " + spin);
      }
      this.spinBeforeSleep = spin;
      return this;
    }

    public ProxySettings build() {
      BackendSelector selector = backendSelector;
      if (sharedBackend != null) {
        if (selector != null || backendAddress != null) {
          throw new IllegalStateException(
              "sharedBackend replaces backend and backendSelector: set one or the other");
        }
        // Never used: every client is attached to the shared backend.
        selector =
            client -> {
              throw new IllegalStateException("clients are served by the shared backend");
            };
      } else if (selector == null) {
        if (backendAddress == null) {
          throw new IllegalStateException(
              "no backend: set backend(host, port), backendSocket(file) or backendSelector(...)");
        }
        if (backendUser == null) {
          throw new IllegalStateException(
              "backendUser is not set: the proxy needs a user to log in to PostgreSQL as");
        }
        selector = new FixedBackend(backendAddress, backendUser, backendPassword);
      } else if (backendAddress != null || backendUser != null) {
        throw new IllegalStateException(
            "backendSelector replaces backend, backendUser and backendPassword: set one or the"
                + " other");
      }
      if (tlsRequired && tls == null) {
        throw new IllegalStateException(
            "tlsRequired needs tls(certificateChain, privateKey): there is no TLS to require");
      }
      return new ProxySettings(
          new InetSocketAddress(listenHost, port),
          Optional.ofNullable(unixSocketDirectory),
          selector,
          Optional.ofNullable(sharedBackend),
          clientAuthentication,
          Optional.ofNullable(tls).map(t -> t.withRequired(tlsRequired)),
          maxMessageLength,
          (int) connectTimeout.toMillis(),
          // One loop serves the shared session and all its clients, so it needs no locks.
          sharedBackend != null ? 1 : eventLoopThreads,
          spinBeforeSleep);
    }

    public ProxyServer start() {
      return ProxyServer.start(build());
    }
  }
}
