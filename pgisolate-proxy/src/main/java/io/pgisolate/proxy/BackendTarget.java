package io.pgisolate.proxy;

import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The PostgreSQL server one client connection is relayed to: its address, the credentials the proxy
 * uses there (the client's own are checked by the proxy and never forwarded), and the
 * StartupMessage parameters to send (user, database, options, run-time settings).
 *
 * @param address an {@link java.net.InetSocketAddress} or a {@link
 *     io.netty.channel.unix.DomainSocketAddress} (a socket file, {@code /dir/.s.PGSQL.5432})
 * @param password null when the server trusts the proxy
 */
public record BackendTarget(
    SocketAddress address, String user, String password, Map<String, String> parameters) {
  public BackendTarget {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(user, "user");
    Map<String, String> copy = new LinkedHashMap<>(parameters);
    copy.put("user", user);
    parameters = Collections.unmodifiableMap(copy);
  }

  /**
   * The backend for messages, named as it was configured: {@code the backend db.example:5432} (the
   * host name, not the address it resolved to), or {@code the backend /dir/.s.PGSQL.5432}.
   */
  public String describe() {
    String where;
    if (address instanceof InetSocketAddress inet) {
      String host = inet.getHostString();
      where = (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
    } else if (address instanceof DomainSocketAddress socket) {
      where = socket.path();
    } else {
      where = address.toString();
    }
    return "the backend " + where;
  }

  /** The database named in the start-up parameters (PostgreSQL defaults it to the user). */
  public String database() {
    return parameters.getOrDefault("database", user);
  }

  @Override
  public String toString() {
    return "BackendTarget[" + address + ", user=" + user + ", database=" + database() + "]";
  }
}
