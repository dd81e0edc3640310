package io.pgisolate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for localhost and 127.0.0.1 (EC P-256, valid for two days) and its
 * unencrypted PKCS#8 key, made by openssl; libpq's and pgjdbc's sslmode=verify-full accept it with
 * the certificate as root.
 */
record TestCertificate(Path certificate, Path key) {
  static TestCertificate create(Path directory, String name)
      throws IOException, InterruptedException {
    TestCertificate made =
        new TestCertificate(directory.resolve(name + ".crt"), directory.resolve(name + ".key"));
    openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout",
        made.key.toString(),
        "-out",
        made.certificate.toString());
    return made;
  }

  /** Runs openssl with these arguments; fails the test unless it exits 0. */
  static void openssl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("%s printed:%n%s", command, output).isZero();
  }
}
