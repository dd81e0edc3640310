package io.pgisolate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JVMs that start clusters at the same moment on an empty cache unpack and initdb only once. */
class ConcurrentCacheIT {
  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void endChildren() throws InterruptedException {
    for (Process p : children) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void threeJvmsShareOneFreshCache(@TempDir Path dir) throws Exception {
    // The servers may run as another user (the tests run as root in CI): let it read the cache.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path cache = dir.resolve("cache");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (int i = 0; i < 3; i++) {
      ProcessBuilder builder =
          new ProcessBuilder(
                  java, "-cp", System.getProperty("java.class.path"), ClusterHolder.class.getName())
              .redirectError(ProcessBuilder.Redirect.INHERIT);
      builder.environment().put("PGISOLATE_CACHE_DIR", cache.toString());
      children.add(builder.start());
    }
    for (Process child : children) {
      String line =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))
              .readLine();
      assertThat(line).as("child %d started a cluster", child.pid()).isNotNull().contains(" ");
    }
    try (var binaries = Files.list(cache.resolve("binaries"));
        var initdb = Files.list(cache.resolve("initdb"))) {
      assertThat(binaries.filter(Files::isDirectory).toList()).hasSize(1);
      assertThat(initdb.filter(Files::isDirectory).toList()).hasSize(1);
    }
    for (Process child : children) {
      child.getOutputStream().write('\n');
      child.getOutputStream().flush();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue()).isZero();
    }
  }
}
