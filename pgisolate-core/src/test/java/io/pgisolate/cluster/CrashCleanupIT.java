package io.pgisolate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.os.Signals;
import io.pgisolate.testing.Leftovers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A JVM killed with SIGKILL runs no shutdown hook: its postgres must not live on. */
class CrashCleanupIT {
  private Process child;

  private record Held(long postmaster, long watchdog, Path workDir) {}

  private Held startChild() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    child =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    ClusterHolder.class.getName()))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line).as("the child's report").isNotNull();
    String[] parts = line.split(" ");
    return new Held(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Path.of(parts[2]));
  }

  @AfterEach
  void endChild() throws Exception {
    if (child != null) {
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void watchdogStopsPostgresWhenItsJvmIsKilled() throws Exception {
    Held held = startChild();
    ProcessHandle postmaster = ProcessHandle.of(held.postmaster()).orElseThrow();
    ProcessHandle watchdog = ProcessHandle.of(held.watchdog()).orElseThrow();

    child.destroyForcibly(); // SIGKILL
    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();

    postmaster.onExit().get(10, TimeUnit.SECONDS);
    watchdog.onExit().get(10, TimeUnit.SECONDS);
    Leftovers.assertNothingLeftIn(held.workDir());
  }

  @Test
  void nextStartReapsWhatAKilledJvmAndWatchdogLeft() throws Exception {
    Held held = startChild();
    ProcessHandle postmaster = ProcessHandle.of(held.postmaster()).orElseThrow();
    ProcessHandle watchdog = ProcessHandle.of(held.watchdog()).orElseThrow();
    assertThat(Signals.send(held.watchdog(), "KILL")).isTrue();
    watchdog.onExit().get(10, TimeUnit.SECONDS);
    child.destroyForcibly();
    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(postmaster.isAlive()).as("orphaned postmaster").isTrue();

    try (TempCluster next = TempCluster.builder().start()) {
      postmaster.onExit().get(10, TimeUnit.SECONDS);
      Leftovers.assertNothingLeftIn(held.workDir());
      assertThat(next.dataDirectory()).exists();
    }
  }
}
