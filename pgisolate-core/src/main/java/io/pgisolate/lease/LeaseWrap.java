package io.pgisolate.lease;

import java.util.List;
import java.util.Map;

/**
 * {@code pgisolate wrap -- CMD…}: serves the pool for as long as CMD runs, telling CMD where in
 * {@code PGM_SOCKET} and {@code PGMANAGER_SOCKET} (pgmanager sets only the latter; its client reads
 * both), and returns CMD's exit code.
 */
public final class LeaseWrap {
  private final LeaseSettings settings;
  private final List<String> command;
  private final ChildCommand child = new ChildCommand();
  private volatile LeaseServer server;

  public LeaseWrap(LeaseSettings settings, List<String> command) {
    this.settings = settings;
    this.command = ChildCommand.check("wrap", command);
  }

  /** Runs CMD under the server; CMD's exit code (127 when it could not be started). */
  public int run() {
    server = LeaseServer.start(settings);
    try {
      String socket = server.socket().toString();
      return child.run(
          command,
          Map.of(LeaseSettings.SOCKET_ENV, socket, LeaseSettings.SOCKET_FALLBACK_ENV, socket));
    } finally {
      server.close();
    }
  }

  /** For a shutdown hook: stops CMD (SIGTERM, then SIGKILL after 10 s), then the server. */
  public void stop() {
    child.stop();
    LeaseServer s = server;
    if (s != null) {
      s.close();
    }
  }

  /** The running server, once {@link #run()} has started it; for usage reports. */
  public LeaseServer server() {
    return server;
  }
}
