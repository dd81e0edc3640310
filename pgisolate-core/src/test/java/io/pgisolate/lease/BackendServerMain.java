package io.pgisolate.lease;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A lease server in a process of its own, sharing its pool through a backend: args are socket,
 * backend URI, prefix, count. Prints "ready" once it listens, serves until stdin ends (or it is
 * killed).
 */
public final class BackendServerMain {
  private BackendServerMain() {}

  public static void main(String[] args) throws Exception {
    LeaseSettings settings =
        new LeaseSettings(
            args[2], Integer.parseInt(args[3]), Path.of(args[0]), Optional.of(args[1]));
    try (LeaseServer server = LeaseServer.start(settings)) {
      System.out.println("ready");
      System.out.flush();
      while (System.in.read() >= 0) {
        // serve until the parent closes our stdin (or kills us)
      }
    }
  }
}
