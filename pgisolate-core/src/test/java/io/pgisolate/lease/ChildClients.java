package io.pgisolate.lease;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Child JVMs running {@link LeaseHolderMain}; every one is ended by its pid at {@link #close}. */
final class ChildClients implements AutoCloseable {
  private final List<Child> children = new ArrayList<>();

  /** A client process and the first line it printed (its lease), once it came. */
  static final class Child {
    final Process process;
    final CompletableFuture<String> firstLine;

    Child(Process process) {
      this.process = process;
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      this.firstLine =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  String line = out.readLine();
                  return line == null ? "<exited>" : line;
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }

    String awaitLease(Duration within) throws Exception {
      return firstLine.get(within.toMillis(), TimeUnit.MILLISECONDS);
    }

    long pid() {
      return process.pid();
    }

    /** SIGKILL, then wait (bounded) until it is gone. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new AssertionError("child " + process.pid() + " survived SIGKILL for 30 s");
      }
    }
  }

  Child start(Path socket) {
    return startMain(LeaseHolderMain.class, socket.toString());
  }

  /** A child JVM running {@code main} of this test classpath with {@code args}. */
  Child startMain(Class<?> main, String... args) {
    return startMain(List.of(), main, args);
  }

  /** The same, allowed at most {@code limit} open files (ulimit -n). */
  Child startMainWithOpenFiles(int limit, Class<?> main, String... args) {
    return startMain(
        List.of("sh", "-c", "ulimit -n " + limit + " && exec \"$@\"", "sh"), main, args);
  }

  private Child startMain(List<String> prefix, Class<?> main, String... args) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> argv = new ArrayList<>(prefix);
    argv.addAll(
        List.of(
            java,
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xshare:auto",
            "-cp",
            System.getProperty("java.class.path"),
            main.getName()));
    argv.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT);
    try {
      Child child = new Child(builder.start());
      children.add(child);
      return child;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Child c : children) {
      c.kill();
    }
  }
}
