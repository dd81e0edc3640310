package io.pgisolate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ChildJvmTest {
  @Test
  void timesAChildToItsAnswerAndToItsExit() throws Exception {
    ChildJvm.Timing t = ChildJvm.run(List.of(), Map.of(), List.of("jvm"));
    assertThat(t.answer()).isZero();
    assertThat(t.answerNanos()).isPositive();
    assertThat(t.exitNanos()).isGreaterThanOrEqualTo(t.answerNanos());
  }

  @Test
  void aChildThatFailsIsReportedWithItsLastLogLineAndLeavesNoLog() throws Exception {
    List<Path> before = childLogs();
    assertThatThrownBy(() -> ChildJvm.run(List.of(), Map.of(), List.of("nope")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageMatching(
            "child JVM \\d+ exited with 1 without an answer: jdbc-url child nope failed:"
                + " java.lang.IllegalArgumentException: unknown mode nope");
    assertThat(childLogs()).isEqualTo(before);
  }

  @Test
  void theUrlCanComeFromTheEnvironmentSoThatItsPasswordStaysOutOfPs() {
    assertThatThrownBy(
            () ->
                ChildJvm.run(
                    List.of(),
                    Map.of("JDBC_URL_BENCH_TEST", "jdbc:nothing:here"),
                    List.of("url", "env:JDBC_URL_BENCH_TEST")))
        .hasMessageContaining("No suitable driver found for jdbc:nothing:here");
  }

  private static List<Path> childLogs() throws IOException {
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files
          .filter(f -> f.getFileName().toString().startsWith("jdbc-url-bench-child-"))
          .sorted()
          .toList();
    }
  }
}
