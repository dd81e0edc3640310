package io.pgisolate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The proxy command's user-facing errors; none of these starts PostgreSQL. */
class ProxyCommandTest {
  @RegisterExtension final Cli cli = new Cli();

  @Test
  void unknownModeNamesTheModesThatExist() {
    assertThat(cli.run("proxy", "--mode", "stale")).isEqualTo(ErrorReporter.USAGE);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: Invalid value for option '--mode': expected one of [plain, fresh,"
                + " transactional] (case-sensitive) but was 'stale'. Hint: see 'pgisolate proxy --help'.\n");
  }

  @Test
  void freshOptionsInPlainModeAreRejected() {
    assertThat(cli.run("proxy", "--single")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --single only applies with --mode fresh, but the mode is plain. Hint: add"
                + " --mode fresh, or drop it.\n");
  }

  @Test
  void severalFreshOptionsInPlainModeAreNamedTogether() {
    assertThat(
            cli.run(
                "proxy",
                "--mode",
                "plain",
                "--per-connection",
                "cluster",
                "--template-sql",
                "schema.sql"))
        .isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --per-connection, --template-sql only apply with --mode fresh, but the"
                + " mode is plain. Hint: add --mode fresh, or drop them.\n");
  }

  @Test
  void waitTimeoutOutsideTransactionalModeIsRejected() {
    assertThat(cli.run("proxy", "--mode", "fresh", "--wait-timeout", "5")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --wait-timeout only applies with --mode transactional, but the mode is"
                + " fresh. Hint: add --mode transactional, or drop it.\n");
    assertThat(cli.out()).isEmpty();
  }

  @Test
  void waitTimeoutBelowOneSecondIsRejected() {
    for (String seconds : new String[] {"0", "-5"}) {
      assertThat(cli.run("proxy", "--mode", "transactional", "--wait-timeout", seconds))
          .isEqualTo(1);
      assertThat(cli.err())
          .isEqualTo(
              "pgisolate: --wait-timeout must be at least 1 second, but is "
                  + seconds
                  + ". Hint: give the seconds a client may wait for the shared session, e.g."
                  + " --wait-timeout 30 (the default).\n");
    }
    assertThat(cli.out()).isEmpty();
  }

  @Test
  void proxyThreadsBelowOneAndSpinOutOfRangeAreRejected() {
    assertThat(cli.run("proxy", "--proxy-threads", "0")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --proxy-threads must be at least 1, but is 0. Hint: leave it out for the"
                + " default, one event loop per four CPUs.\n");
    for (String micros : new String[] {"-1", "10001"}) {
      assertThat(cli.run("proxy", "--spin-micros", micros)).isEqualTo(1);
      assertThat(cli.err())
          .isEqualTo(
              "pgisolate: --spin-micros must be between 0 and 10000, but is "
                  + micros
                  + ". Hint: 0 makes the event loop sleep as soon as it is out of work; leave it"
                  + " out for the default, 50.\n");
    }
    assertThat(cli.out()).isEmpty();
  }

  @Test
  void proxyPortOutOfRangeNamesTheOption() {
    for (String port : new String[] {"-1", "70000"}) {
      assertThat(cli.run("proxy", "--proxy-port", port)).isEqualTo(1);
      assertThat(cli.err())
          .isEqualTo(
              "pgisolate: --proxy-port must be between 0 and 65535, but is "
                  + port
                  + ". Hint: leave it out (or give 0) for a free port.\n");
    }
    assertThat(cli.out()).isEmpty();
  }

  @Test
  void unknownPerConnectionNamesWhatExists() {
    assertThat(cli.run("proxy", "--mode", "fresh", "--per-connection", "schema"))
        .isEqualTo(ErrorReporter.USAGE);
    assertThat(cli.err())
        .startsWith(
            "pgisolate: Invalid value for option '--per-connection': expected one of [database,"
                + " cluster]");
    assertThat(cli.err().lines()).hasSize(1);
  }

  @Test
  void singleWithClusterPerConnectionIsRejected() {
    assertThat(cli.run("proxy", "--mode", "fresh", "--single", "--per-connection", "cluster"))
        .isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --single shares one database, but --per-connection cluster gives each"
                + " connection a cluster of its own. Hint: drop one of them.\n");
  }

  @Test
  void clusterPerConnectionWithBackendIsRejected() {
    assertThat(
            cli.run(
                "proxy",
                "--mode",
                "fresh",
                "--per-connection",
                "cluster",
                "--backend",
                "postgres://u:p@127.0.0.1:5432/db"))
        .isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --per-connection cluster starts temporary clusters, but --backend names an"
                + " existing server. Hint: drop --backend, or use --per-connection database.\n");
  }

  @Test
  void missingTemplateFileIsNamed() {
    assertThat(cli.run("proxy", "--mode", "fresh", "--template-sql", "/nonexistent/schema.sql"))
        .isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --template-sql /nonexistent/schema.sql: no such file or directory. Hint:"
                + " give an SQL file, or a directory of *.sql files, that you can read.\n");
  }

  @Test
  void unknownAuthNamesTheMethodsThatExist() {
    assertThat(cli.run("proxy", "--auth", "ldap")).isEqualTo(ErrorReporter.USAGE);
    assertThat(cli.err())
        .startsWith(
            "pgisolate: Invalid value for option '--auth': expected one of [trust, scram, md5]");
    assertThat(cli.err().lines()).hasSize(1);
  }

  @Test
  void passwordAuthNeedsCredentials() {
    assertThat(cli.run("proxy", "--auth", "scram", "--proxy-user", "app")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --auth scram needs --proxy-user and --proxy-password: the credentials"
                + " clients log in with. Hint: --auth scram --proxy-user app --proxy-password"
                + " secret\n");
  }

  @Test
  void credentialsWithTrustAreRejected() {
    assertThat(cli.run("proxy", "--proxy-user", "app", "--proxy-password", "pw")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --proxy-user and --proxy-password only apply with --auth scram or md5;"
                + " with --auth trust every client is let in. Hint: add --auth scram, or drop"
                + " them.\n");
  }

  @Test
  void tlsNeedsBothFiles() {
    assertThat(cli.run("proxy", "--tls-key", "key.pem")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --tls-key needs --tls-cert: TLS takes the certificate chain and its"
                + " private key. Hint: add --tls-cert FILE.\n");
  }

  @Test
  void requiringTlsNeedsTls() {
    assertThat(cli.run("proxy", "--tls-required")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --tls-required needs --tls-cert and --tls-key: there is no TLS to"
                + " require. Hint: add --tls-cert FILE --tls-key FILE, or drop --tls-required.\n");
  }

  @Test
  void badTlsFilesAreNamedBeforeAnythingStarts(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("missing.pem");
    assertThat(cli.run("proxy", "--tls-cert", missing.toString(), "--tls-key", missing.toString()))
        .isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: TLS certificate file "
                + missing
                + " does not exist. Hint: check the path.\n");
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "hello\n");
    assertThat(cli.run("proxy", "--tls-cert", garbage.toString(), "--tls-key", garbage.toString()))
        .isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: TLS certificate file "
                + garbage
                + " holds no PEM certificate (-----BEGIN CERTIFICATE-----). Hint: it should hold"
                + " the server's certificate, then any intermediate ones.\n");
    assertThat(cli.out()).isEmpty();
  }

  @Test
  void clusterOptionsWithBackendAreRejected() {
    assertThat(
            cli.run(
                "proxy",
                "--backend",
                "postgres://u:p@127.0.0.1:5432/db",
                "--pg-version",
                "17",
                "-d",
                "shop"))
        .isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: --pg-version, --database configure the temporary cluster, but --backend"
                + " names an existing server. Hint: drop them, or drop --backend.\n");
  }

  @Test
  void unreachableBackendIsReportedAtStart() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    assertThat(cli.run("proxy", "--backend", "postgres://u:secret@127.0.0.1:" + port + "/db"))
        .isEqualTo(1);
    assertThat(cli.err())
        .startsWith(
            "pgisolate: cannot connect to the backend postgres://u@127.0.0.1:" + port + "/db: ")
        .endsWith(". Hint: check that the server runs and the URI's user and password.\n")
        .doesNotContain("secret");
    assertThat(cli.err().lines()).hasSize(1);
  }

  @Test
  void unknownBackendHostIsNamedWithAHint() {
    assertThat(cli.run("proxy", "--backend", "postgres://u:secret@no-such-host.invalid:5432/db"))
        .isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: cannot connect to the backend postgres://u@no-such-host.invalid:5432/db:"
                + " unknown host 'no-such-host.invalid'. Hint: check the host name in"
                + " --backend.\n");
  }

  @Test
  void malformedBackendUri() {
    assertThat(cli.run("proxy", "--backend", "mysql://u:secret@host/db")).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo(
            "pgisolate: invalid --backend 'mysql://u:***@host/db': it must start with"
                + " postgres:// or postgresql://. Hint: --backend"
                + " postgres://user:password@host:5432/database\n");
  }

  @Test
  void backendUriParts() {
    BackendUri uri = BackendUri.parse("postgresql://app%40x:p%2Fw+d@db.example:6543/my%20db");
    assertThat(uri).isEqualTo(new BackendUri("db.example", 6543, "app@x", "p/w+d", "my db"));
    assertThat(BackendUri.parse("postgres://app@localhost"))
        .isEqualTo(new BackendUri("localhost", 5432, "app", null, "app"));
    assertThat(uri.redacted()).isEqualTo("postgres://app@x@db.example:6543/my db");
  }

  @Test
  void backendUriErrors() {
    assertThatThrownBy(() -> BackendUri.parse("postgres://localhost/db"))
        .hasMessage(
            "invalid --backend 'postgres://localhost/db': it names no user"
                + " (postgres://USER:PASSWORD@host:port/database). Hint: --backend"
                + " postgres://user:password@host:5432/database");
    assertThatThrownBy(() -> BackendUri.parse("postgres://u@/db"))
        .hasMessageStartingWith("invalid --backend 'postgres://u@/db': it names no host.");
    assertThatThrownBy(() -> BackendUri.parse("postgres://u@h/db?sslmode=require"))
        .hasMessageStartingWith(
            "invalid --backend 'postgres://u@h/db?sslmode=require': query parameters"
                + " (?sslmode=require) are not supported.");
    assertThatThrownBy(() -> BackendUri.parse("postgres://u@h:/d b"))
        .hasMessageStartingWith("invalid --backend 'postgres://u@h:/d b': Illegal character");
  }

  @Test
  void help() {
    assertThat(cli.run("proxy", "--help")).isZero();
    assertThat(cli.out())
        .startsWith("Usage: pgisolate proxy")
        .contains("--mode=<mode>")
        .contains("plain")
        .contains("--backend=URI");
  }
}
