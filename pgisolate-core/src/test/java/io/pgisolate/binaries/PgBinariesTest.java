package io.pgisolate.binaries;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PgBinariesTest {
  @Test
  void majorVersionFollowsPostgresNumbering() {
    assertThat(new PgBinaries(Path.of("/x"), "18.1", "t").majorVersion()).isEqualTo("18");
    assertThat(new PgBinaries(Path.of("/x"), "9.6.24", "t").majorVersion()).isEqualTo("9.6");
  }
}
