package io.pgisolate.proxy;

import io.pgisolate.proxy.protocol.frontend.StartupMessage;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The plain proxy's selector: every client goes to the same server as the configured backend user,
 * with the client's own start-up parameters (so its database, application_name and settings reach
 * PostgreSQL unchanged).
 */
public final class FixedBackend implements BackendSelector {
  private final SocketAddress address;
  private final String user;
  private final String password;

  public FixedBackend(SocketAddress address, String user, String password) {
    this.address = address;
    this.user = user;
    this.password = password;
  }

  @Override
  public CompletionStage<BackendTarget> select(StartupMessage client) {
    return CompletableFuture.completedFuture(
        new BackendTarget(address, user, password, client.parameters()));
  }
}
