package io.pgisolate.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileLocksTest {
  @Test
  void aLockTakenOnOneThreadCanBeReleasedOnAnother(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("x.lock");
    FileLocks.Held held = FileLocks.acquire(file, Duration.ofSeconds(5), "test");
    assertThat(FileLocks.tryAcquire(file)).isEmpty();
    CompletableFuture.runAsync(held::close).get();
    try (FileLocks.Held again = FileLocks.tryAcquire(file).orElseThrow()) {
      assertThat(again).isNotNull();
    }
  }

  @Test
  void timeoutSaysWhatItWaitedFor(@TempDir Path dir) {
    Path file = dir.resolve("y.lock");
    try (FileLocks.Held held = FileLocks.acquire(file, Duration.ofSeconds(5), "first")) {
      assertThatThrownBy(() -> FileLocks.acquire(file, Duration.ofMillis(20), "building the cache"))
          .hasMessageStartingWith("timed out after 20 ms waiting for the lock on " + file)
          .hasMessageContaining("(building the cache)")
          .hasMessageContaining("Hint: ");
    }
  }
}
