package io.pgisolate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CpuTimeTest {
  @Test
  void aProcessTreeCountsTheTimeOfChildrenThatHaveEnded() throws Exception {
    long self = ProcessHandle.current().pid();
    long before = CpuTime.treeNanos(self);
    long childrenBefore = CpuTime.children(self);
    // A child that burns ~100 ms of CPU, then ends and is waited for.
    Process child =
        new ProcessBuilder("sh", "-c", "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done").start();
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    long after = CpuTime.treeNanos(self);
    assertThat(CpuTime.children(self)).isEqualTo(childrenBefore);
    assertThat(before).isPositive();
    assertThat(after - before).isGreaterThanOrEqualTo(10_000_000L);
  }
}
