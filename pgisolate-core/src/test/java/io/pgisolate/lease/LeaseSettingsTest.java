package io.pgisolate.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.PgIsolateException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LeaseSettingsTest {
  static final Path CWD = Path.of("/work/project");

  static LeaseSettings read(Map<String, String> env) {
    return LeaseSettings.fromEnvironment(env, Optional.empty(), CWD);
  }

  @Test
  void defaultsAsPgmanager() {
    LeaseSettings s = read(Map.of("PGM_DATABASE_PREFIX", "app_test"));
    assertThat(s)
        .isEqualTo(new LeaseSettings("app_test", 8, Path.of("/work/project/tmp/pgmanager.sock")));
  }

  @Test
  void pgmVariablesWinOverTheirFallbacks() {
    LeaseSettings s =
        read(
            Map.of(
                "PGM_DATABASE_PREFIX", "new_",
                "DATABASE_PREFIX", "old_",
                "PGM_DATABASE_COUNT", "3",
                "DATABASE_COUNT", "5",
                "PGM_SOCKET", "/run/pgm.sock",
                "PGMANAGER_SOCKET", "/run/old.sock"));
    assertThat(s).isEqualTo(new LeaseSettings("new_", 3, Path.of("/run/pgm.sock")));
  }

  @Test
  void fallbacksAreRead() {
    LeaseSettings s =
        read(
            Map.of("DATABASE_PREFIX", "old_", "DATABASE_COUNT", "5", "PGMANAGER_SOCKET", "s.sock"));
    assertThat(s).isEqualTo(new LeaseSettings("old_", 5, Path.of("/work/project/s.sock")));
  }

  @Test
  void theSocketOptionWinsAndRelativePathsAreFromTheWorkingDirectory() {
    LeaseSettings s =
        LeaseSettings.fromEnvironment(
            Map.of("PGM_DATABASE_PREFIX", "p", "PGM_SOCKET", "/env.sock"),
            Optional.of("run/../x.sock"),
            CWD);
    assertThat(s.socket()).isEqualTo(Path.of("/work/project/x.sock"));
  }

  @Test
  void aMissingPrefixSaysWhatToSet() {
    assertThatThrownBy(() -> read(Map.of()))
        .isInstanceOf(PgIsolateException.class)
        .hasMessage(
            "PGM_DATABASE_PREFIX is not set: the lease pool needs a database name prefix. Hint:"
                + " export PGM_DATABASE_PREFIX=myapp_test to lease myapp_test0, myapp_test1, …");
  }

  @Test
  void anEmptyPrefixIsRefusedNamingTheVariableRead() {
    assertThatThrownBy(() -> read(Map.of("DATABASE_PREFIX", " ")))
        .hasMessage(
            "DATABASE_PREFIX is empty. Hint: set it to the databases' common prefix, e.g."
                + " myapp_test.");
  }

  @Test
  void aPrefixWithAControlCharacterIsRefused() {
    assertThatThrownBy(() -> read(Map.of("PGM_DATABASE_PREFIX", "a\nb")))
        .hasMessage(
            "PGM_DATABASE_PREFIX contains a control character (code 10). Hint: use letters,"
                + " digits and underscores.");
  }

  @Test
  void aPrefixTooLongForPostgresIsRefused() {
    String prefix = "p".repeat(63);
    assertThatThrownBy(
            () -> read(Map.of("PGM_DATABASE_PREFIX", prefix, "PGM_DATABASE_COUNT", "10")))
        .hasMessage(
            "PGM_DATABASE_PREFIX is too long: database "
                + prefix
                + "9 would be 64 bytes and PostgreSQL keeps only 63. Hint: use a shorter prefix.");
  }

  @Test
  void aCountThatIsNotAWholeNumberIsAnErrorNotASilentEight() {
    assertThatThrownBy(() -> read(Map.of("PGM_DATABASE_PREFIX", "p", "PGM_DATABASE_COUNT", "ten")))
        .hasMessage(
            "PGM_DATABASE_COUNT must be a whole number from 1 to 10000, got 'ten'. Hint: unset it"
                + " for the default of 8.");
    assertThatThrownBy(() -> read(Map.of("PGM_DATABASE_PREFIX", "p", "DATABASE_COUNT", "0")))
        .hasMessage(
            "DATABASE_COUNT must be a whole number from 1 to 10000, got '0'. Hint: unset it for"
                + " the default of 8.");
  }

  @Test
  void anEmptySocketIsRefusedNamingWhereItCameFrom() {
    assertThatThrownBy(() -> read(Map.of("PGM_DATABASE_PREFIX", "p", "PGM_SOCKET", "")))
        .hasMessage("PGM_SOCKET is empty. Hint: give a socket file path, e.g. tmp/pgmanager.sock.");
  }

  @Test
  void aSocketPathTooLongForUnixSocketsIsRefused() {
    String deep = "/" + "d".repeat(120) + "/s.sock";
    assertThatThrownBy(
            () ->
                LeaseSettings.fromEnvironment(
                    Map.of("PGM_DATABASE_PREFIX", "p"), Optional.of(deep), CWD))
        .hasMessage(
            "socket path "
                + deep
                + " (from --socket) is 128 bytes long, but UNIX sockets allow at most 107. Hint:"
                + " choose a shorter path with --socket or PGM_SOCKET.");
  }
}
