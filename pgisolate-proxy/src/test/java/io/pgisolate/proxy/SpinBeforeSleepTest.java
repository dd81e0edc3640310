package io.pgisolate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpinBeforeSleepTest {
  private long now = 1_000_000;
  private final Deque<Integer> readyCounts = new ArrayDeque<>();
  private int polls;
  private final IntSupplier poll =
      () -> {
        polls++;
        return readyCounts.isEmpty() ? 0 : readyCounts.poll();
      };
  // No load file: the CPU counts as free.
  private final SpinBeforeSleep strategy =
      new SpinBeforeSleep(
          Duration.ofNanos(50_000), () -> now, new FreeCpu(2, () -> now, Path.of("/nonexistent")));

  @Test
  void readyEventsAreHandedToTheLoopAtOnce() throws Exception {
    readyCounts.add(3);
    assertThat(strategy.calculateStrategy(poll, false)).isEqualTo(3);
  }

  @Test
  void outOfWorkItPollsUntilTheSpinIsOverThenSleeps() throws Exception {
    assertThat(strategy.calculateStrategy(poll, false)).isEqualTo(SelectStrategy.CONTINUE);
    now += 49_999;
    assertThat(strategy.calculateStrategy(poll, false)).isEqualTo(SelectStrategy.CONTINUE);
    now += 1;
    assertThat(strategy.calculateStrategy(poll, false)).isEqualTo(SelectStrategy.SELECT);
  }

  @Test
  void workStartsANewSpin() throws Exception {
    assertThat(strategy.calculateStrategy(poll, false)).isEqualTo(SelectStrategy.CONTINUE);
    now += 40_000;
    readyCounts.add(1);
    assertThat(strategy.calculateStrategy(poll, false)).isEqualTo(1);
    now += 40_000; // 80 µs after the first poll, but only now out of work again
    assertThat(strategy.calculateStrategy(poll, false)).isEqualTo(SelectStrategy.CONTINUE);
    now += 50_000;
    assertThat(strategy.calculateStrategy(poll, false)).isEqualTo(SelectStrategy.SELECT);
    // After sleeping, running out of work again spins again.
    assertThat(strategy.calculateStrategy(poll, false)).isEqualTo(SelectStrategy.CONTINUE);
  }

  @Test
  void withNoFreeCpuItSleepsAtOnce(@TempDir Path dir) throws Exception {
    Path loadavg = Files.writeString(dir.resolve("loadavg"), "7.01 6.50 5.20 3/512 4242\n");
    SpinBeforeSleep busy =
        new SpinBeforeSleep(
            Duration.ofNanos(50_000), () -> now, new FreeCpu(2, () -> now, loadavg));
    assertThat(busy.calculateStrategy(poll, false)).isEqualTo(SelectStrategy.SELECT);
    assertThat(polls).as("no poll before blocking, as Netty's default").isZero();
    Files.writeString(loadavg, "7.01 6.50 5.20 2/512 4242\n");
    now += FreeCpu.SAMPLE_NANOS;
    assertThat(busy.calculateStrategy(poll, false)).isEqualTo(SelectStrategy.CONTINUE);
  }

  @Test
  void queuedTasksAreRunNotSpunPast() throws Exception {
    // CONTINUE would skip the loop's task queue, so with tasks it returns the (zero) ready count.
    assertThat(strategy.calculateStrategy(poll, true)).isZero();
    readyCounts.add(2);
    assertThat(strategy.calculateStrategy(poll, true)).isEqualTo(2);
  }
}
