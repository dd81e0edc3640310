package io.pgisolate.proxy.transactional;

import io.pgisolate.proxy.BackendTarget;
import io.pgisolate.proxy.protocol.backend.ErrorResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Switches off, for the shared session, the server's timeouts that end a session: it idles between
 * its clients' turns, in a test's transaction that lasts as long as the test, so a timeout set in
 * postgresql.conf or with ALTER ROLE/DATABASE … SET would end it, and every client's test with it.
 *
 * <p>They are given as {@code -c name=0} in the start-up packet's {@code options}, not SET.
 * Settings given so "constitute defaults for the life of the session" (PostgreSQL docs, "Parameter
 * Interaction via the Shell"), and RESET goes back to the default, "the value that the parameter
 * would have had, if no SET had ever been issued for it in the current session" (docs, "RESET"): so
 * the {@code RESET ALL} of every settings replay, and a client's own RESET ALL or DISCARD ALL, keep
 * them off, where a SET would be undone. The start-up value also takes precedence over
 * postgresql.conf and ALTER ROLE/DATABASE … SET (ServerSessionTimeoutIT shows both).
 *
 * <p>A server refuses the whole session (FATAL, 42704) for a name it does not know, and the proxy
 * learns the server's version only once the session is open: when refused, it tries again without
 * the newest setting, and remembers what the server took for the sessions it opens later.
 */
final class TimeoutExemption {
  /** In the order PostgreSQL added them: 9.6, 14, 17. */
  private static final List<String> SETTINGS =
      List.of("idle_in_transaction_session_timeout", "idle_session_timeout", "transaction_timeout");

  private static final String UNDEFINED_OBJECT = "42704";

  private int known = SETTINGS.size();

  /** {@code target} with the timeouts the server is believed to know switched off. */
  BackendTarget applyTo(BackendTarget target) {
    StringBuilder options = new StringBuilder(target.parameters().getOrDefault("options", ""));
    for (String setting : SETTINGS.subList(0, known)) {
      options.append(options.isEmpty() ? "" : " ").append("-c ").append(setting).append("=0");
    }
    Map<String, String> parameters = new LinkedHashMap<>(target.parameters());
    if (!options.isEmpty()) {
      parameters.put("options", options.toString());
    }
    return new BackendTarget(target.address(), target.user(), target.password(), parameters);
  }

  /**
   * Whether the session was refused for a setting the server does not know: then the newest one is
   * left out from now on, and the session is to be opened again.
   */
  boolean leaveOutNewest(ErrorResponse refusal) {
    if (!UNDEFINED_OBJECT.equals(refusal.sqlState()) || known == 0) {
      return false;
    }
    known--;
    TransactionalBackend.log.info(
        "transactional proxy: the server does not know {} ({}): opening the shared session"
            + " without it",
        SETTINGS.get(known),
        refusal.message());
    return true;
  }
}
