package io.pgisolate.lease;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A lease server in a process of its own: args are socket, prefix, count and optionally a backend
 * URI, or {@code --create=URI} to create its databases on that server (and drop them at exit).
 * Prints "ready" once it listens, serves until stdin ends (or it is killed).
 */
public final class ServerMain {
  private ServerMain() {}

  public static void main(String[] args) throws Exception {
    Optional<String> extra = args.length > 3 ? Optional.of(args[3]) : Optional.empty();
    Optional<String> create = extra.filter(a -> a.startsWith("--create=")).map(a -> a.substring(9));
    LeaseSettings settings =
        new LeaseSettings(
                args[1],
                Integer.parseInt(args[2]),
                Path.of(args[0]),
                create.isPresent() ? Optional.empty() : extra)
            .withDatabases(
                create.map(uri -> new LeaseDatabases(uri, Optional.empty(), true, false)));
    try (LeaseServer server = LeaseServer.start(settings)) {
      System.out.println("ready");
      System.out.flush();
      while (System.in.read() >= 0) {
        // serve until the parent closes our stdin (or kills us)
      }
    }
  }
}
