package io.pgisolate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.proxy.auth.ClientAuthentication;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** psql and pgbench (libpq) through the proxy, over TCP and its UNIX socket. */
class ProxyToolsIT {
  static final String PASSWORD = "tool-secret";
  static TempCluster pg;
  static ProxyServer proxy;
  @TempDir static Path socketDirectory;

  @BeforeAll
  static void start() {
    pg = TempCluster.builder().start();
    proxy =
        ProxyServer.builder()
            .backend(pg.host(), pg.port())
            .backendUser(pg.user())
            .backendPassword(pg.password())
            .clientAuthentication(ClientAuthentication.scramSha256(Map.of("tool", PASSWORD)))
            .unixSocketDirectory(socketDirectory)
            .start();
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  @Test
  void psqlOverTcpAndTheUnixSocket() throws Exception {
    assertThat(run(psql(proxy.host(), "-c", "SELECT 40 + 2"))).contains("42");
    assertThat(proxy.unixSocket()).hasValue(socketDirectory.resolve(".s.PGSQL." + proxy.port()));
    assertThat(run(psql(socketDirectory.toString(), "-c", "SELECT 'via socket'")))
        .contains("via socket");
  }

  @Test
  void psqlCopyBothWays(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("in.tsv");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 50_000; i++) {
      rows.append(i).append('\t').append("name ").append(i).append('\n');
    }
    Files.writeString(in, rows);
    Path out = dir.resolve("out.tsv");
    run(psql(proxy.host(), "-c", "CREATE TABLE copied (id int, name text)"));
    assertThat(run(psql(proxy.host(), "-c", "\\copy copied FROM '" + in + "'")))
        .contains("COPY 50000");
    assertThat(
            run(
                psql(
                    proxy.host(),
                    "-c",
                    "\\copy (SELECT * FROM copied ORDER BY id) TO '" + out + "'")))
        .contains("COPY 50000");
    assertThat(Files.readString(out)).isEqualTo(rows.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended", "prepared"})
  void pgbench(String mode) throws Exception {
    String init = pgbenchTable();
    String output =
        run(
            List.of(
                "pgbench",
                "-h",
                proxy.host(),
                "-p",
                String.valueOf(proxy.port()),
                "-U",
                "tool",
                "-M",
                mode,
                "-c",
                "4",
                "-j",
                "2",
                "-T",
                "2",
                "-n",
                pg.database()));
    assertThat(init).isNotNull();
    assertThat(output).contains("query mode: " + mode).contains("number of failed transactions: 0");
  }

  private static String initialised;

  private static synchronized String pgbenchTable() throws Exception {
    if (initialised == null) {
      initialised =
          run(
              List.of(
                  "pgbench",
                  "-i",
                  "-s",
                  "1",
                  "-q",
                  "-h",
                  proxy.host(),
                  "-p",
                  String.valueOf(proxy.port()),
                  "-U",
                  "tool",
                  pg.database()));
    }
    return initialised;
  }

  static List<String> psql(String host, String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "psql",
                "-X",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                host,
                "-p",
                String.valueOf(proxy.port()),
                "-U",
                "tool",
                "-d",
                pg.database()));
    command.addAll(List.of(args));
    return command;
  }

  /** Runs a libpq tool with the proxy's password; returns stdout and stderr, fails on exit != 0. */
  static String run(List<String> command) throws IOException, InterruptedException {
    Run run = execute(command);
    assertThat(run.exitCode()).as("%s printed:%n%s", command, run.output()).isZero();
    return run.output();
  }

  /** How a tool exited and what it printed (stdout and stderr). */
  record Run(int exitCode, String output) {}

  /** Runs a libpq tool with the proxy's password, whatever its exit code. */
  static Run execute(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("PGPASSWORD", PASSWORD);
    builder.environment().put("PGCONNECT_TIMEOUT", "10");
    Process process = builder.start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("timed out: " + command);
      }
      return new Run(process.exitValue(), output);
    } finally {
      process.destroyForcibly();
    }
  }
}
