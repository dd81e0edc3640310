package io.pgisolate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * bin/bench's command line as a user runs it, in a JVM of its own: a mistake is one line with a
 * hint and a non-zero exit, and no benchmark runs.
 */
class MainTest {
  private static final String HELP = " Hint: see 'bin/bench lease --help'.\n";

  @Test
  void anUnknownBenchmarkIsOneLineThatSaysWhereTheListIs() throws Exception {
    assertThat(bench(Map.of(), "nosuch"))
        .isEqualTo(
            new Exit(
                2,
                "bench: unknown benchmark 'nosuch'. Hint: run bin/bench without arguments for the"
                    + " list.\n"));
  }

  @Test
  void aBadOptionValueNamesTheOptionAndTheValue() throws Exception {
    assertThat(bench(Map.of(), "lease", "--iterations", "x"))
        .isEqualTo(new Exit(2, "bench: --iterations must be a whole number, but is 'x'." + HELP));
    assertThat(bench(Map.of(), "proxy", "--clients", "1,x"))
        .isEqualTo(
            new Exit(
                2,
                "bench: --clients must be whole numbers separated by commas, but is '1,x'. Hint:"
                    + " see 'bin/bench proxy --help'.\n"));
    assertThat(bench(Map.of(), "proxy", "--backend-transport", "udp"))
        .isEqualTo(
            new Exit(
                2,
                "bench: --backend-transport must be one of tcp, unix, but is 'udp'. Hint: see"
                    + " 'bin/bench proxy --help'.\n"));
  }

  /** A count of nothing used to fail half-way, with an exception named after its symptom. */
  @Test
  void aCountBelowItsLeastIsRefusedBeforeAnythingRuns() throws Exception {
    assertThat(bench(Map.of(), "cluster-start", "--runs", "0"))
        .isEqualTo(
            new Exit(
                2,
                "bench: --runs must be at least 1, but is '0'. Hint: see"
                    + " 'bin/bench cluster-start --help'.\n"));
    assertThat(bench(Map.of(), "lease", "--iterations", "-5"))
        .isEqualTo(new Exit(2, "bench: --iterations must be at least 1, but is '-5'." + HELP));
    assertThat(bench(Map.of(), "proxy", "--clients", "8,0"))
        .isEqualTo(
            new Exit(
                2,
                "bench: --clients must be at least 1 each, but is '8,0'. Hint: see"
                    + " 'bin/bench proxy --help'.\n"));
  }

  @Test
  void anOptionWithoutAValueOrUnknownIsRefusedNotIgnored() throws Exception {
    assertThat(bench(Map.of(), "lease", "--iterations"))
        .isEqualTo(new Exit(2, "bench: --iterations needs a value." + HELP));
    assertThat(bench(Map.of(), "lease", "--itrations", "5"))
        .isEqualTo(new Exit(2, "bench: lease has no option --itrations." + HELP));
  }

  @Test
  void aPgmanagerThatIsNotThereIsOneLineWithAHint() throws Exception {
    assertThat(bench(Map.of(), "lease", "--pgmanager", "/nonexistent/pgmanager"))
        .isEqualTo(
            new Exit(
                1,
                "bench: pgmanager /nonexistent/pgmanager is not an executable file (--pgmanager,"
                    + " PGMANAGER). Hint: give the path of pgmanager's executable, or leave both"
                    + " out to measure pgisolate alone.\n"));
  }

  @Test
  void aMissingPgbenchIsOneLineWithAHintAndVerboseAddsTheStackTrace() throws Exception {
    String line =
        "bench: pgbench is not on the PATH. Hint: apt-get install -y postgresql-client"
            + " (Debian/Ubuntu).\n";
    Map<String, String> noPgbench = Map.of("PATH", "/nonexistent");
    assertThat(bench(noPgbench, "proxy")).isEqualTo(new Exit(1, line));
    Exit verbose = bench(noPgbench, "-v", "proxy");
    assertThat(verbose.code()).isEqualTo(1);
    assertThat(verbose.stderr()).startsWith(line).contains("at io.pgisolate.bench.Pgbench.find");
  }

  private record Exit(int code, String stderr) {}

  /** Runs bin/bench's main class in a JVM of its own, with {@code env} added. */
  private static Exit bench(Map<String, String> env, String... args) throws Exception {
    List<String> argv =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    argv.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("LC_ALL", "C.UTF-8");
    builder.environment().remove("PGMANAGER");
    builder.environment().putAll(env);
    Process p = builder.start();
    try {
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("bench ended in time").isTrue();
      return new Exit(p.exitValue(), err);
    } finally {
      p.destroyForcibly();
    }
  }
}
