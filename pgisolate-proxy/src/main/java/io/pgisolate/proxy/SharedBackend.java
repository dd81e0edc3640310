package io.pgisolate.proxy;

import io.netty.channel.Channel;
import io.pgisolate.proxy.protocol.backend.BackendKeyData;
import io.pgisolate.proxy.protocol.frontend.StartupMessage;
import java.util.function.Supplier;

/**
 * Serves every authenticated client on one backend session that they share, instead of relaying
 * each client to a server connection of its own: the hook of the shared-transaction mode. A proxy
 * with a shared backend runs a single event loop, so the implementation is called, and may work,
 * without locks.
 */
public interface SharedBackend extends AutoCloseable {

  /**
   * Takes over an authenticated client connection. The client's pipeline holds a {@link
   * io.pgisolate.proxy.protocol.MessageFramer} and an encoder; the implementation adds its own
   * handler, finishes the client's start-up (ParameterStatus, {@code proxyKey}, ReadyForQuery) and
   * serves it from then on.
   *
   * @param startup the client's StartupMessage, its user authenticated by the proxy
   * @return where the client's cancel requests go at a given moment (null when it has nothing
   *     running on the backend)
   */
  Supplier<CancelTarget> attach(Channel client, StartupMessage startup, BackendKeyData proxyKey);

  /** Closes the shared session; the proxy calls it when it stops. */
  @Override
  void close();
}
