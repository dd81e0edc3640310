package io.pgisolate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Checks that nothing of a cluster is left: no process working in its directory, no files. */
public final class Leftovers {
  private Leftovers() {}

  /**
   * Pids of processes whose working directory is {@code dir} or below it (postgres chdirs there).
   */
  public static List<Long> processesIn(Path dir) {
    Path target = dir.toAbsolutePath().normalize();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs
          .filter(p -> p.getFileName().toString().matches("\\d+"))
          .filter(
              p -> {
                try {
                  return Files.readSymbolicLink(p.resolve("cwd")).startsWith(target);
                } catch (IOException | UnsupportedOperationException e) {
                  return false;
                }
              })
          .map(p -> Long.parseLong(p.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static void assertNothingLeftIn(Path dir) {
    assertThat(processesIn(dir)).as("processes still working in %s", dir).isEmpty();
    assertThat(dir).as("leftover directory").doesNotExist();
  }
}
