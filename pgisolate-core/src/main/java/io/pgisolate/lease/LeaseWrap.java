package io.pgisolate.lease;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code pgisolate wrap -- CMD…}: serves the pool for as long as CMD runs, telling CMD where in
 * {@code PGM_SOCKET} and {@code PGMANAGER_SOCKET} (pgmanager sets only the latter; its client reads
 * both), and returns CMD's exit code.
 */
public final class LeaseWrap {
  private final LeaseSettings settings;
  private final List<String> command;
  private final ChildCommand child = new ChildCommand();
  private final HookStoppedServer server = new HookStoppedServer();

  public LeaseWrap(LeaseSettings settings, List<String> command) {
    this.settings = settings;
    this.command = ChildCommand.check("wrap", command);
  }

  /**
   * Runs CMD under the server; CMD's exit code (127 when it could not be started, 143 when {@link
   * #stop()} came first).
   */
  public int run() {
    Optional<LeaseServer> started = server.start(settings);
    if (started.isEmpty()) {
      return ChildCommand.STOPPED;
    }
    LeaseServer s = started.get();
    try {
      String socket = s.socket().toString();
      return child.run(
          command,
          Map.of(LeaseSettings.SOCKET_ENV, socket, LeaseSettings.SOCKET_FALLBACK_ENV, socket));
    } finally {
      s.close();
    }
  }

  /**
   * For a shutdown hook: stops CMD (SIGTERM, then SIGKILL after 10 s), then the server, once it has
   * started when it was starting.
   */
  public void stop() {
    child.stop();
    server.stop();
  }

  /** The running server, once {@link #run()} has started it; for usage reports. */
  public LeaseServer server() {
    return server.server();
  }
}
