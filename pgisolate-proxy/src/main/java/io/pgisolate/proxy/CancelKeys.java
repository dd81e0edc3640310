package io.pgisolate.proxy;

import io.pgisolate.proxy.protocol.backend.BackendKeyData;
import java.net.SocketAddress;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The cancel keys the proxy hands its clients. A client never sees its backend's key (which would
 * let it cancel on a server it does not reach directly, and which may belong to a shared backend);
 * it gets a random proxy key, and a CancelRequest with that key is forwarded, with the backend key,
 * to the server of the client that owns it (PostgreSQL docs, "Canceling Requests in Progress").
 */
final class CancelKeys {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Where a proxy key's cancel request goes. */
  record Target(SocketAddress backend, BackendKeyData backendKey) {}

  private record Entry(byte[] secret, Target target) {}

  private final ConcurrentMap<Integer, Entry> entries = new ConcurrentHashMap<>();

  /** Issues a fresh proxy key (protocol 3.0: Int32 process ID, 4-byte secret) for a backend key. */
  BackendKeyData register(Target target) {
    byte[] secret = new byte[4];
    RANDOM.nextBytes(secret);
    while (true) {
      int processId = RANDOM.nextInt(Integer.MAX_VALUE - 1) + 1;
      if (entries.putIfAbsent(processId, new Entry(secret, target)) == null) {
        return new BackendKeyData(processId, secret);
      }
    }
  }

  void unregister(BackendKeyData proxyKey) {
    entries.computeIfPresent(
        proxyKey.processId(),
        (pid, entry) -> MessageDigest.isEqual(entry.secret, proxyKey.secret()) ? null : entry);
  }

  /** The target of a cancel request, if its key is one the proxy issued and still holds. */
  Optional<Target> lookup(int processId, byte[] secret) {
    Entry entry = entries.get(processId);
    return entry != null && MessageDigest.isEqual(entry.secret, secret)
        ? Optional.of(entry.target)
        : Optional.empty();
  }

  int size() {
    return entries.size();
  }
}
