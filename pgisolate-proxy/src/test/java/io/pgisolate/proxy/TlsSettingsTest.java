package io.pgisolate.proxy;

import static io.pgisolate.proxy.TestCertificate.openssl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certificate and key files are checked when they are set; each error names the file. */
class TlsSettingsTest {
  @TempDir static Path dir;
  static TestCertificate server;
  static TestCertificate other;

  @BeforeAll
  static void certificates() throws Exception {
    server = TestCertificate.create(dir, "server");
    other = TestCertificate.create(dir, "other");
  }

  @Test
  void aMatchingPairIsLoaded() {
    ProxySettings settings =
        ProxyServer.builder()
            .backend("db", 5432)
            .backendUser("u")
            .tls(server.certificate(), server.key())
            .tlsRequired(true)
            .build();
    assertThat(settings.tls())
        .hasValueSatisfying(
            tls -> {
              assertThat(tls.certificateChain()).isEqualTo(server.certificate());
              assertThat(tls.privateKey()).isEqualTo(server.key());
              assertThat(tls.required()).isTrue();
            });
    assertThat(ProxyServer.builder().backend("db", 5432).backendUser("u").build().tls()).isEmpty();
  }

  @Test
  void rsaKeysWork() throws Exception {
    Path key = dir.resolve("rsa.key");
    Path certificate = dir.resolve("rsa.crt");
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-keyout",
        key.toString(),
        "-out",
        certificate.toString());
    assertThat(ProxyServer.builder().tls(certificate, key)).isNotNull();
  }

  @Test
  void oneFileMayHoldTheCertificateAndTheKey() throws Exception {
    Path both =
        Files.writeString(
            dir.resolve("both.pem"),
            Files.readString(server.key()) + Files.readString(server.certificate()));
    assertThat(ProxyServer.builder().tls(both, both)).isNotNull();
  }

  @Test
  void missingFilesAreNamed() {
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> ProxyServer.builder().tls(missing, server.key()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TLS certificate file " + missing + " does not exist. Hint: check the path.");
    assertThatThrownBy(() -> ProxyServer.builder().tls(server.certificate(), missing))
        .hasMessage("TLS private key file " + missing + " does not exist. Hint: check the path.");
    assertThatThrownBy(() -> ProxyServer.builder().tls(dir, server.key()))
        .hasMessage(
            "TLS certificate file "
                + dir
                + " is not a readable file. Hint: check the path and its permissions.");
  }

  @Test
  void swappedFilesAreRecognised() {
    assertThatThrownBy(() -> ProxyServer.builder().tls(server.key(), server.certificate()))
        .hasMessage(
            "TLS certificate file "
                + server.key()
                + " holds no PEM certificate (-----BEGIN CERTIFICATE-----). Hint: are the"
                + " certificate and key swapped?");
    assertThatThrownBy(() -> ProxyServer.builder().tls(server.certificate(), server.certificate()))
        .hasMessage(
            "TLS private key file "
                + server.certificate()
                + " holds a certificate, not a private key. Hint: are the certificate and key"
                + " swapped?");
  }

  @Test
  void garbageIsRefused() throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not PEM at all\n");
    assertThatThrownBy(() -> ProxyServer.builder().tls(garbage, server.key()))
        .hasMessage(
            "TLS certificate file "
                + garbage
                + " holds no PEM certificate (-----BEGIN CERTIFICATE-----). Hint: it should hold"
                + " the server's certificate, then any intermediate ones.");
    assertThatThrownBy(() -> ProxyServer.builder().tls(server.certificate(), garbage))
        .hasMessage(
            "TLS private key file "
                + garbage
                + " holds no PEM private key (-----BEGIN PRIVATE KEY-----). Hint: it should hold"
                + " the certificate's private key, unencrypted PKCS#8.");
    Path corrupt =
        Files.writeString(
            dir.resolve("corrupt.key"),
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    assertThatThrownBy(() -> ProxyServer.builder().tls(server.certificate(), corrupt))
        .hasMessageStartingWith(
            "TLS private key file "
                + corrupt
                + " holds no EC private key, which its certificate needs: ")
        .hasMessageEndingWith(". Hint: is it the certificate's key?");
  }

  @Test
  void traditionalAndEncryptedKeysGetAConversionHint() throws Exception {
    Path traditional = dir.resolve("traditional.key");
    openssl("ec", "-in", server.key().toString(), "-out", traditional.toString());
    assertThat(Files.readString(traditional)).startsWith("-----BEGIN EC PRIVATE KEY-----");
    assertThatThrownBy(() -> ProxyServer.builder().tls(server.certificate(), traditional))
        .hasMessage(
            "TLS private key file "
                + traditional
                + " is in OpenSSL's traditional format, not PKCS#8. Hint: convert it with openssl"
                + " pkey -in "
                + traditional
                + " -out "
                + traditional
                + ".pk8, and use that file.");
    Path encrypted = dir.resolve("encrypted.key");
    openssl(
        "pkey",
        "-in",
        server.key().toString(),
        "-aes256",
        "-passout",
        "pass:secret",
        "-out",
        encrypted.toString());
    assertThatThrownBy(() -> ProxyServer.builder().tls(server.certificate(), encrypted))
        .hasMessageStartingWith(
            "TLS private key file "
                + encrypted
                + " is encrypted, and the proxy takes no passphrase. Hint: convert it with openssl"
                + " pkey");
  }

  @Test
  void anotherCertificatesKeyIsRefused() {
    assertThatThrownBy(() -> ProxyServer.builder().tls(server.certificate(), other.key()))
        .hasMessage(
            "TLS private key file "
                + other.key()
                + " does not match the certificate in "
                + server.certificate()
                + ". Hint: give the key the certificate was made for.");
  }

  @Test
  void requiringTlsNeedsTls() {
    assertThatThrownBy(
            () ->
                ProxyServer.builder()
                    .backend("db", 5432)
                    .backendUser("u")
                    .tlsRequired(true)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "tlsRequired needs tls(certificateChain, privateKey): there is no TLS to require");
  }
}
