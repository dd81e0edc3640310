package io.pgisolate.proxy;

import io.pgisolate.proxy.protocol.frontend.StartupMessage;
import java.util.concurrent.CompletionStage;

/**
 * Chooses the backend for each authenticated client connection: the hook through which the proxy's
 * modes differ. The plain proxy relays every client to one server ({@link FixedBackend}); a
 * fresh-database mode would clone a database here and map the client's database name to it, and
 * drop the clone in {@link #release}.
 *
 * <p>{@link #select} is called on the connection's event loop and must not block it: slow work
 * (creating a database) belongs on another thread, completing the stage when done.
 */
public interface BackendSelector {

  /**
   * @param client the client's StartupMessage (its user already authenticated by the proxy; "_pq_."
   *     protocol options removed)
   */
  CompletionStage<BackendTarget> select(StartupMessage client);

  /**
   * The client connection that was given {@code target} has ended (called once, on its event loop;
   * must not block it).
   */
  default void release(BackendTarget target) {}

  /**
   * The client connection left before {@code selection} (a stage {@link #select} returned) was
   * complete: the selector may stop the work, e.g. stop waiting for a clone, so that clients that
   * are gone take nothing from those still there. If the stage completes with a target all the
   * same, {@link #release} is called with it as usual. Called on the connection's event loop; must
   * not block it.
   */
  default void abandon(CompletionStage<BackendTarget> selection) {}
}
