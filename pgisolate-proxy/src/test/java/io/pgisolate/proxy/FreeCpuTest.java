package io.pgisolate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FreeCpuTest {
  private long now = 5_000_000;

  @Test
  void freeWhileNoMoreTasksAreRunnableThanCpusAndResampledEveryTwoMilliseconds(@TempDir Path dir)
      throws Exception {
    Path loadavg = Files.writeString(dir.resolve("loadavg"), "0.52 1.46 2.55 2/133 11616\n");
    FreeCpu freeCpu = new FreeCpu(2, () -> now, loadavg);
    assertThat(freeCpu.now()).isTrue();

    Files.writeString(loadavg, "0.52 1.46 2.55 3/133 11616\n");
    now += FreeCpu.SAMPLE_NANOS - 1;
    assertThat(freeCpu.now()).as("the last sample holds until the next is due").isTrue();
    now += 1;
    assertThat(freeCpu.now()).isFalse();
  }

  @Test
  void withoutTheFileTheCpuCountsAsFree(@TempDir Path dir) {
    assertThat(new FreeCpu(1, () -> now, dir.resolve("missing")).now()).isTrue();
  }

  @Test
  void parsesTheRunnableCount() {
    assertThat(FreeCpu.parse(bytes("0.52 1.46 2.55 3/512 1234\n"))).isEqualTo(3);
    assertThat(FreeCpu.parse(bytes("10.00 9.00 8.00 117/2048 99"))).isEqualTo(117);
    assertThat(FreeCpu.parse(bytes("0.52 1.46 2.55"))).isEqualTo(-1);
    assertThat(FreeCpu.parse(bytes("0.52 1.46 2.55 x/512 1234"))).isEqualTo(-1);
    assertThat(FreeCpu.parse(bytes(""))).isEqualTo(-1);
  }

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
  }
}
