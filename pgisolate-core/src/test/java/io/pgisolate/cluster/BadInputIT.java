package io.pgisolate.cluster;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgisolate.PgIsolateException;
import io.pgisolate.os.OsUser;
import io.pgisolate.testing.Leftovers;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad input gets a one-line message with a hint, and leaves nothing behind. Each test has a
 * data root of its own, so that clusters of other test JVMs on this machine do not count.
 */
class BadInputIT {
  private Path root;
  private Path base;
  private Set<String> before;

  private TempCluster.Builder builder() {
    return TempCluster.builder().dataRoot(root);
  }

  @BeforeEach
  void snapshot() throws IOException {
    root = Files.createTempDirectory(Path.of("/dev/shm"), "pgisolate-bad-input-");
    // The servers may run as another user (as root in CI): let it pass through.
    Files.setPosixFilePermissions(
        root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    base = ClusterLayout.base(builder().settings());
    // Warm the caches so that a failure below is the failure under test.
    builder().start().close();
    before = entries();
  }

  @AfterEach
  void nothingLeft() throws IOException {
    assertThat(entries()).as("entries of %s", base).isEqualTo(before);
    assertThat(Leftovers.processesIn(base)).isEmpty();
    io.pgisolate.os.Directories.deleteTree(root);
  }

  private Set<String> entries() throws IOException {
    if (!Files.isDirectory(base)) {
      return Set.of();
    }
    try (Stream<Path> list = Files.list(base)) {
      return list.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  @Test
  void unknownVersionListsWhatWasTried() {
    assertThatThrownBy(() -> builder().version("99").start())
        .isInstanceOf(PgIsolateException.class)
        .hasMessageStartingWith("PostgreSQL 99 is not available (tried: classpath; local Maven")
        .hasMessageContaining("/usr/lib/postgresql/*/bin")
        .hasMessageContaining("Hint: ");
  }

  @Test
  void malformedVersionIsRejected() {
    assertThatThrownBy(() -> builder().version("latest").start())
        .hasMessage(
            "invalid PostgreSQL version 'latest'. Hint: give a major version such as 17, or a"
                + " full one such as 17.6.0.");
  }

  @Test
  void missingBinariesSayWhereTheyWereLookedFor() {
    assertThatThrownBy(() -> builder().binaries(Path.of("/nonexistent/bin")).start())
        .hasMessageStartingWith("no PostgreSQL binaries in /nonexistent/bin (tried: ")
        .hasMessageContaining("Hint: point --pg-bin");
  }

  @Test
  void portInUse() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      ClusterStartException e =
          catchThrowableOfType(ClusterStartException.class, () -> builder().port(port).start());
      assertThat(e)
          .hasMessage(
              "port "
                  + port
                  + " is already in use. Hint: choose another port, or leave the port unset to"
                  + " get a free one.");
      assertThat(e.logTail()).contains("Address already in use");
    }
  }

  @Test
  void unwritableDataDirectory() {
    assertThatThrownBy(() -> builder().dataDirectory(Path.of("/proc/pgisolate/data")).start())
        .hasMessageStartingWith("data directory /proc/pgisolate/data cannot be created: ")
        .hasMessageContaining("Hint: name a directory in a location");
  }

  @Test
  void dataDirectoryThatIsNotEmpty(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("precious.txt"), "keep me");
    assertThatThrownBy(() -> builder().dataDirectory(dir).start())
        .hasMessage(
            "data directory "
                + dir
                + " is not empty. Hint: name a new or empty directory; pgisolate creates clusters,"
                + " it does not adopt existing ones.");
    assertThat(dir.resolve("precious.txt")).exists();
  }

  @Test
  void fullDataRootSaysSoWithAHint() throws Exception {
    Path full = mountTmpfs("full", "size=4m");
    try {
      TempCluster.Builder onFullDisk = TempCluster.builder().dataRoot(full);
      ClusterStartException e =
          catchThrowableOfType(ClusterStartException.class, onFullDisk::start);
      Path fullBase = ClusterLayout.base(onFullDisk.settings());
      assertThat(e)
          .hasMessageStartingWith("cannot copy the cached initdb result into " + fullBase + "/c")
          .hasMessageContaining(": No space left on device. Hint: free space under " + full)
          .hasMessageEndingWith(
              "or choose another location with the data-root option (--data-root).");
      try (Stream<Path> left = Files.list(fullBase)) {
        assertThat(left).as("left in the full data root").isEmpty();
      }
    } finally {
      assertThat(run("umount", full.toString())).as("umount " + full).isTrue();
    }
  }

  @Test
  void readOnlyDataRootSaysSoWithAHint() throws Exception {
    Path readOnly = mountTmpfs("read-only", "size=1m,ro");
    try {
      assertThatThrownBy(() -> TempCluster.builder().dataRoot(readOnly).start())
          .hasMessage(
              "cannot create the cluster directory "
                  + readOnly
                  + "/pgisolate-"
                  + OsUser.current().uid()
                  + ": Read-only file system. Hint: choose a writable location with the data-root"
                  + " option (--data-root).");
    } finally {
      assertThat(run("umount", readOnly.toString())).as("umount " + readOnly).isTrue();
    }
  }

  /** A small tmpfs at {@code root/name}, for the caller to unmount; skips the test if it cannot. */
  private Path mountTmpfs(String name, String options) throws Exception {
    Path mountPoint = Files.createDirectory(root.resolve(name));
    assumeTrue(
        run("mount", "-t", "tmpfs", "-o", options, "tmpfs", mountPoint.toString()),
        "mounting a tmpfs needs root and CAP_SYS_ADMIN");
    return mountPoint;
  }

  private static boolean run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getInputStream().transferTo(OutputStream.nullOutputStream());
    return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
  }

  @Test
  void dataRootTooDeepForASocketPath() throws Exception {
    Path deep = Files.createDirectories(root.resolve("d".repeat(60)).resolve("e".repeat(30)));
    TempCluster.Builder tooDeep = TempCluster.builder().dataRoot(deep);
    Path deepBase = ClusterLayout.base(tooDeep.settings());
    assertThatThrownBy(tooDeep::start)
        .isInstanceOf(PgIsolateException.class)
        .hasMessageStartingWith("the server's socket would be " + deepBase + "/c")
        .hasMessageMatching(
            ".*/s/\\.s\\.PGSQL\\.NNNNN, which is \\d+ bytes long; a UNIX socket path has at most 107\\."
                + " Hint: choose a shorter data root \\(--data-root\\)\\.");
    try (Stream<Path> left = Files.list(deepBase)) {
      assertThat(left).as("left in the deep data root").isEmpty();
    }
  }

  @Test
  void failingInitScriptNamesFileLineAndError(@TempDir Path dir) throws IOException {
    Path script =
        Files.writeString(
            dir.resolve("broken.sql"), "create table a (id int);\n\ncreate tabel b (id int);\n");
    assertThatThrownBy(() -> builder().initScript(script).start())
        .isInstanceOf(ClusterStartException.class)
        .hasMessage(
            "init script "
                + script
                + " failed at line 3, column 8: syntax error at or near \"tabel\".");
  }

  @Test
  void failingInitScriptStatementWithoutAPositionNamesItsLine(@TempDir Path dir)
      throws IOException {
    Path script =
        Files.writeString(dir.resolve("seed.sql"), "select 1;\nselect 1 / 0;\nselect 2;\n");
    assertThatThrownBy(() -> builder().initScript(script).start())
        .isInstanceOf(ClusterStartException.class)
        .hasMessage("init script " + script + " failed at line 2, column 1: division by zero.");
  }

  @Test
  void initScriptThatIsNotUtf8NamesTheLine(@TempDir Path dir) throws IOException {
    Path script =
        Files.write(dir.resolve("latin1.sql"), "select 'K\u00f8ge';\n".getBytes(ISO_8859_1));
    assertThatThrownBy(() -> builder().initScript(script).start())
        .isInstanceOf(ClusterStartException.class)
        .hasMessage(
            "init script "
                + script
                + " is not UTF-8: line 1, column 10 holds the byte 0xF8. Hint: save it as UTF-8"
                + " (iconv -f LATIN1 -t UTF-8).");
  }

  @Test
  void initdbFailure() {
    ClusterStartException e =
        catchThrowableOfType(
            ClusterStartException.class,
            () -> builder().initdbCache(false).locale("xx_XX.bogus").start());
    assertThat(e)
        .hasMessageStartingWith("initdb failed with exit code 1: ")
        .hasMessageContaining("xx_XX.bogus")
        .hasMessageContaining("Hint: check the locale (xx_XX.bogus)");
    assertThat(e.logTail()).isNotEmpty();
  }

  @Test
  void invalidSettingShowsTheServersComplaint() {
    ClusterStartException e =
        catchThrowableOfType(
            ClusterStartException.class, () -> builder().setting("shared_buffers", "lots").start());
    assertThat(e)
        .hasMessageStartingWith("PostgreSQL exited during start-up with code 1: ")
        .hasMessageContaining("shared_buffers")
        .hasMessageContaining("Hint: ");
    assertThat(e.logTail()).contains("lots");
  }

  @Test
  void startTimeout() {
    assertThatThrownBy(() -> builder().startTimeout(Duration.ofMillis(1)).start())
        .isInstanceOf(ClusterStartException.class)
        .hasMessage(
            "PostgreSQL did not accept connections within 1 ms. Hint: raise the start timeout"
                + " (--start-timeout) on a slow machine.");
  }

  @Test
  void unknownExtension() {
    assertThatThrownBy(() -> builder().extension("no_such_ext").start())
        .hasMessageStartingWith("extension 'no_such_ext' could not be created: ")
        .hasMessageContaining("Hint: check its name");
  }

  @Test
  void unknownRunAsUser() {
    String expected =
        OsUser.current().isRoot()
            ? "cannot run PostgreSQL as user 'no-such-user': no such user. Hint: create it"
                + " (useradd --system no-such-user) or name an existing unprivileged user."
            : "cannot run PostgreSQL as user 'no-such-user': only root can switch users";
    assertThatThrownBy(() -> builder().runAs("no-such-user").start())
        .hasMessageStartingWith(expected);
  }

  @Test
  void invalidBuilderValuesNameTheProperty() {
    assertThatThrownBy(() -> builder().port(70000))
        .hasMessage("invalid port '70000': must be between 1 and 65535.");
    assertThatThrownBy(() -> builder().setting("bad name", "1"))
        .hasMessage("invalid setting 'bad name': is not a configuration parameter name.");
    assertThatThrownBy(() -> builder().initScript(Path.of("/nope.sql")))
        .hasMessage("invalid initScript '/nope.sql': is not a readable file.");
  }
}
