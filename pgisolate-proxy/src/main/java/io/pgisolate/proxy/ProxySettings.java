package io.pgisolate.proxy;

import io.pgisolate.proxy.auth.ClientAuthentication;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A validated, immutable proxy configuration; build it with {@link ProxyServer#builder()}.
 *
 * @param sharedBackend when present, every client is served on this one backend session and {@code
 *     backendSelector} is not used
 * @param tls TLS for clients over TCP, if it is offered
 * @param maxMessageLength the largest message accepted while the proxy decodes (start-up, and any
 *     mode that inspects messages); relayed bytes are never buffered whole
 * @param spinBeforeSleep how long an event loop out of work polls before it sleeps ({@link
 *     SpinBeforeSleep}); zero sleeps at once
 */
public record ProxySettings(
    InetSocketAddress listenAddress,
    Optional<Path> unixSocketDirectory,
    BackendSelector backendSelector,
    Optional<SharedBackend> sharedBackend,
    ClientAuthentication clientAuthentication,
    Optional<TlsSettings> tls,
    int maxMessageLength,
    int connectTimeoutMillis,
    int eventLoopThreads,
    Duration spinBeforeSleep) {}
