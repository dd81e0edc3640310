package io.pgisolate.os;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Finds programs the way a shell does. */
public final class Programs {
  private Programs() {}

  private static final Path SETSID = Path.of("/usr/bin/setsid");

  /**
   * {@code command}, run in a session of its own when util-linux's setsid is there: a terminal's
   * Ctrl-C and hang-up go to every process of its foreground process group, so a server started
   * from the JVM would begin to stop at once, before the JVM's exit tasks that still need it. A
   * process started by the JVM is no group leader, so setsid execs in place: the pid is the
   * command's own.
   */
  public static List<String> inOwnSession(List<String> command) {
    if (!Files.isExecutable(SETSID)) {
      return command;
    }
    List<String> detached = new ArrayList<>(command.size() + 1);
    detached.add(SETSID.toString());
    detached.addAll(command);
    return detached;
  }

  /** The first executable {@code name} in the directories of {@code PATH}. */
  public static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    return Arrays.stream(path.split(":"))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, name))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
