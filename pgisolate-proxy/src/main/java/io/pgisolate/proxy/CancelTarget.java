package io.pgisolate.proxy;

import io.pgisolate.proxy.protocol.backend.BackendKeyData;
import java.net.SocketAddress;

/**
 * Where a client's CancelRequest goes: a PostgreSQL server and the key of the session to cancel.
 */
public record CancelTarget(SocketAddress backend, BackendKeyData backendKey) {}
