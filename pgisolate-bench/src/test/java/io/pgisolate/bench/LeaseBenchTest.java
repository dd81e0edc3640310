package io.pgisolate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaseBenchTest {
  @TempDir Path dir;

  @Test
  void measuresPgisolatesServerWithTheSharedClients() throws Exception {
    LeaseTarget pgisolate = LeaseTarget.pgisolate(dir);
    LeaseBench.Stats trips = LeaseBench.roundTrip(pgisolate, 4, 10, 0);
    LeaseBench.Stats wakeUps = LeaseBench.wakeUp(pgisolate, 5);
    assertThat(trips.nanos()).hasSize(40);
    assertThat(trips.throughput()).isPositive();
    assertThat(wakeUps.nanos()).hasSize(5);
    assertThat(wakeUps.micros(0)).isPositive();
  }

  @Test
  void roundsMergeTheirSamplesAndAverageTheirThroughput() {
    LeaseBench.Stats a = new LeaseBench.Stats(new long[] {3_000, 1_000}, 100);
    LeaseBench.Stats b = new LeaseBench.Stats(new long[] {2_000, 4_000}, 300);
    LeaseBench.Stats both = a.plus(b);
    assertThat(both.nanos()).containsExactly(1_000, 2_000, 3_000, 4_000);
    assertThat(both.throughput()).isEqualTo(200);
    assertThat(both.micros(0.5)).isEqualTo(2.0);
  }

  @Test
  void pgmanagerIsStartedWithThePoolInItsEnvironmentAndStoppedWithItsDirectory() throws Exception {
    // A stand-in for pgmanager: checks its arguments, writes down its pool, "binds" the socket.
    Path fake = dir.resolve("pgmanager");
    Files.writeString(
        fake,
        String.join(
            "\n",
            "#!/bin/sh",
            "[ \"$1\" = -s ] && [ \"$3\" = serve ] || exit 2",
            "echo \"$PGM_DATABASE_PREFIX $PGM_DATABASE_COUNT\" > \"$2.pool\"",
            "touch \"$2\"",
            "exec sleep 60",
            ""));
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    Path socket;
    try (PgmanagerServer server = PgmanagerServer.start(fake, dir, "bench_", 16)) {
      socket = server.socket();
      assertThat(socket).exists();
      assertThat(Files.readAllLines(socket.resolveSibling("pgm.sock.pool")))
          .isEqualTo(List.of("bench_ 16"));
    }
    assertThat(socket.getParent()).doesNotExist();
  }
}
