package io.pgisolate.proxy;

import io.pgisolate.proxy.protocol.backend.BackendKeyData;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * The cancel keys the proxy hands its clients. A client never sees its backend's key (which would
 * let it cancel on a server it does not reach directly, and which may belong to a shared backend);
 * it gets a random proxy key, and a CancelRequest with that key is forwarded, with the backend key,
 * to the server of the client that owns it (PostgreSQL docs, "Canceling Requests in Progress").
 */
final class CancelKeys {
  private static final SecureRandom RANDOM = new SecureRandom();

  private record Entry(byte[] secret, Supplier<CancelTarget> target) {}

  private final ConcurrentMap<Integer, Entry> entries = new ConcurrentHashMap<>();

  /**
   * Issues a fresh proxy key (protocol 3.0: Int32 process ID, 4-byte secret) whose cancel requests
   * go to {@code target}, asked at the time of each request (null: nothing to cancel).
   */
  BackendKeyData register(Supplier<CancelTarget> target) {
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

  /**
   * The target of a cancel request, if its key is one the proxy issued and still holds and its
   * owner has something to cancel.
   */
  Optional<CancelTarget> lookup(int processId, byte[] secret) {
    Entry entry = entries.get(processId);
    return entry != null && MessageDigest.isEqual(entry.secret, secret)
        ? Optional.ofNullable(entry.target.get())
        : Optional.empty();
  }

  int size() {
    return entries.size();
  }
}
