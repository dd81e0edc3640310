package io.pgisolate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.os.Signals;
import io.pgisolate.testing.Leftovers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A JVM killed with SIGKILL runs no shutdown hook: its postgres must not live on. */
class CrashCleanupIT {
  private Process child;

  private record Held(long postmaster, long watchdog, Path workDir) {}

  private Held startChild() throws Exception {
    launchChild(Map.of());
    BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line).as("the child's report").isNotNull();
    String[] parts = line.split(" ");
    return new Held(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Path.of(parts[2]));
  }

  /** Starts a {@link ClusterHolder} JVM with {@code env} added to its environment. */
  private void launchChild(Map<String, String> env, String... args) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(java(ClusterHolder.class, args))
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().putAll(env);
    child = builder.start();
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
  void aJvmKilledDuringInitdbLeavesNoHalfBuiltCacheBehind(@TempDir Path dir) throws Exception {
    // The servers may run as another user (the tests run as root in CI): let it read the cache.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path cache = dir.resolve("cache");
    Path bin; // the binaries the other tests use, so that the fresh cache need not unpack them
    try (TempCluster warm = TempCluster.builder().start()) {
      bin = warm.binaries().bin();
    }
    launchChild(
        Map.of("PGISOLATE_CACHE_DIR", cache.toString(), "PGISOLATE_PG_BIN", bin.toString()));
    ProcessHandle initdb = awaitProcess("initdb", cache.toString(), Duration.ofSeconds(60));
    child.destroyForcibly(); // SIGKILL while initdb fills the cache
    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    try {
      initdb.onExit().get(20, TimeUnit.SECONDS); // it dies writing to its closed pipe
    } finally {
      initdb.destroyForcibly();
    }

    try (TempCluster next = TempCluster.builder().binaries(bin).cacheDirectory(cache).start();
        Stream<Path> entries = Files.list(cache.resolve("initdb"))) {
      assertThat(entries.map(p -> p.getFileName().toString()))
          .as("the initdb cache after a restart")
          .isNotEmpty()
          .noneMatch(name -> name.startsWith("."));
      assertThat(next.dataDirectory()).isDirectory();
    }
  }

  /** The first process running {@code program} with an argument containing {@code argument}. */
  private static ProcessHandle awaitProcess(String program, String argument, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<ProcessHandle> found =
          ProcessHandle.allProcesses()
              .filter(
                  p ->
                      p.info().command().orElse("").endsWith("/" + program)
                          && p.info().arguments().stream()
                              .flatMap(Arrays::stream)
                              .anyMatch(a -> a.contains(argument)))
              .findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      Thread.sleep(5); // polling for a process another JVM starts; bounded by the deadline
    }
    throw new AssertionError(program + " with " + argument + " did not start within " + timeout);
  }

  @Test
  void ctrlCInATerminalStopsTheClusterOnlyAfterTheTasksThatRunBeforeIt() throws Exception {
    BufferedReader out = startInGroupOfItsOwn(ExitOrderHolder.class);
    String[] started = out.readLine().split(" ");
    ProcessHandle postmaster = ProcessHandle.of(Long.parseLong(started[0])).orElseThrow();

    signalChildsGroup("INT"); // Ctrl-C: SIGINT to every process of the foreground group

    assertThat(out.readLine()).isEqualTo("at exit the cluster answered 42");
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    postmaster.onExit().get(10, TimeUnit.SECONDS);
    Leftovers.assertNothingLeftIn(Path.of(started[1]));
  }

  @Test
  void killingTheJvmsWholeProcessGroupStillCleansUp(@TempDir Path root) throws Exception {
    // A data root of its own: no other test's start reaps what the kill leaves.
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    String[] started =
        startInGroupOfItsOwn(ClusterHolder.class, root.toString()).readLine().split(" ");
    ProcessHandle postmaster = ProcessHandle.of(Long.parseLong(started[0])).orElseThrow();

    signalChildsGroup("KILL"); // what a CI runner's timeout may do

    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    postmaster.onExit().get(10, TimeUnit.SECONDS);
    ProcessHandle.of(Long.parseLong(started[1])).ifPresent(w -> w.onExit().join());
    Leftovers.assertNothingLeftIn(Path.of(started[2]));
  }

  /**
   * Starts {@code main} in a process group of its own, as a shell starts a foreground job, with
   * SIGINT handled as there; returns its output.
   */
  private BufferedReader startInGroupOfItsOwn(Class<?> main, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("setsid", "env", "--default-signal=INT"));
    command.addAll(java(main, args));
    child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    return new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
  }

  /** The command that runs {@code main} in a JVM with this one's classpath. */
  private static List<String> java(Class<?> main, String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
    command.addAll(List.of(args));
    return command;
  }

  private void signalChildsGroup(String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + child.pid()).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).isTrue();
  }

  @Test
  void aStartNeverReapsTheClusterOfAJvmThatLives(@TempDir Path root) throws Exception {
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    launchChild(Map.of(), root.toString());
    String[] held =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))
            .readLine()
            .split(" ");
    Path workDir = Path.of(held[2]);
    // Old enough for the reaper's grace for directories without a lock: only the lock protects it.
    Files.setLastModifiedTime(workDir, FileTime.from(Instant.now().minus(Duration.ofHours(1))));

    try (TempCluster next = TempCluster.builder().dataRoot(root).start()) {
      assertThat(next.dataDirectory()).isDirectory();
    }
    assertThat(ProcessHandle.of(Long.parseLong(held[0])))
        .as("the live JVM's postmaster")
        .isPresent();
    assertThat(workDir.resolve("data/postmaster.pid")).exists();
    assertThat(Leftovers.processesIn(workDir)).contains(Long.parseLong(held[0]));
  }

  @Test
  void theNextStartKeepsAPersistentClusterWhoseJvmWasKilled(@TempDir Path root) throws Exception {
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    launchChild(Map.of(), root.toString(), "persist");
    String[] held =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))
            .readLine()
            .split(" ");
    ProcessHandle postmaster = ProcessHandle.of(Long.parseLong(held[0])).orElseThrow();
    child.destroyForcibly(); // SIGKILL: no close(), no shutdown hook
    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    postmaster.onExit().get(10, TimeUnit.SECONDS); // the watchdog stops it, and keeps the files

    try (TempCluster next = TempCluster.builder().dataRoot(root).start()) {
      assertThat(Path.of(held[2]).resolve("data/PG_VERSION")).as("the kept cluster").exists();
    }
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
