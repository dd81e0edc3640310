package io.pgisolate.proxy;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * TLS for the proxy's clients: its certificate chain and private key, read from PEM files and
 * checked once, when they are set (see {@link ProxyServer.Builder#tls}), and whether clients must
 * use it.
 *
 * <p>The key must be an unencrypted PKCS#8 PEM key ({@code -----BEGIN PRIVATE KEY-----}, what
 * {@code openssl req -newkey ... -nodes} and {@code openssl pkey} write); the JDK reads no other
 * format without extra libraries. A key that is not the certificate's is refused here, not at the
 * first client's handshake.
 */
public final class TlsSettings {
  /**
   * The ALPN protocol of PostgreSQL (PostgreSQL docs, "SSL Session Encryption"): PostgreSQL 17
   * clients offer it, direct TLS connections must, and a client offering only other protocols is
   * refused, as the server does.
   */
  static final String ALPN_PROTOCOL = "postgresql";

  private static final Pattern CERTIFICATE =
      Pattern.compile("-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\\s]+-----END CERTIFICATE-----");
  private static final Pattern PKCS8 =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
  private static final String CONVERT_HINT =
      " Hint: convert it with openssl pkey -in %1$s -out %1$s.pk8, and use that file.";

  private final Path certificateChain;
  private final Path privateKey;
  private final boolean required;
  private final SslContext context;

  private TlsSettings(
      Path certificateChain, Path privateKey, boolean required, SslContext context) {
    this.certificateChain = certificateChain;
    this.privateKey = privateKey;
    this.required = required;
    this.context = context;
  }

  /**
   * Reads and checks the certificate chain (the server's certificate first) and its private key.
   *
   * @throws IllegalArgumentException naming the file that is missing, unreadable, of the wrong
   *     format, or (the key) not the certificate's
   */
  static TlsSettings load(Path certificateChain, Path privateKey) {
    List<X509Certificate> chain = readCertificates(certificateChain);
    PrivateKey key = readPrivateKey(privateKey, chain.get(0).getPublicKey());
    checkPair(key, chain.get(0).getPublicKey(), privateKey, certificateChain);
    try {
      SslContext context =
          SslContextBuilder.forServer(key, chain)
              // The JDK's TLS: no native library to ship, and it implements the ALPN behaviour
              // below (OpenSSL through netty-tcnative supports no fatal alert on a mismatch).
              .sslProvider(SslProvider.JDK)
              .applicationProtocolConfig(
                  new ApplicationProtocolConfig(
                      Protocol.ALPN,
                      SelectorFailureBehavior.FATAL_ALERT,
                      SelectedListenerFailureBehavior.ACCEPT,
                      ALPN_PROTOCOL))
              .build();
      return new TlsSettings(certificateChain, privateKey, false, context);
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cannot use the TLS certificate "
              + certificateChain
              + " with the key "
              + privateKey
              + ": "
              + sentence(e.getMessage()),
          e);
    }
  }

  TlsSettings withRequired(boolean required) {
    return new TlsSettings(certificateChain, privateKey, required, context);
  }

  /** The PEM file of the proxy's certificate, then any intermediate certificates. */
  public Path certificateChain() {
    return certificateChain;
  }

  /** The PEM file of the certificate's private key. */
  public Path privateKey() {
    return privateKey;
  }

  /**
   * Whether clients over TCP must use TLS; a cleartext one is refused. The UNIX socket is local and
   * stays cleartext, as PostgreSQL's does.
   */
  public boolean required() {
    return required;
  }

  SslContext context() {
    return context;
  }

  @Override
  public String toString() {
    return "TlsSettings[" + certificateChain + ", " + privateKey + (required ? ", required]" : "]");
  }

  private static List<X509Certificate> readCertificates(Path file) {
    String pem = readPem("certificate", file);
    List<X509Certificate> chain = new ArrayList<>();
    // Only the certificate blocks, as OpenSSL reads them: a file may hold the key as well.
    Matcher matcher = CERTIFICATE.matcher(pem);
    while (matcher.find()) {
      try {
        chain.add(
            (X509Certificate)
                CertificateFactory.getInstance("X.509")
                    .generateCertificate(
                        new ByteArrayInputStream(
                            matcher.group().getBytes(StandardCharsets.ISO_8859_1))));
      } catch (CertificateException e) {
        throw new IllegalArgumentException(
            "TLS certificate file "
                + file
                + " holds a certificate that does not parse: "
                + sentence(e.getMessage())
                + " Hint: is the file complete?");
      }
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException(
          "TLS certificate file "
              + file
              + " holds no PEM certificate (-----BEGIN CERTIFICATE-----). Hint: "
              + (pem.contains("PRIVATE KEY-----")
                  ? "are the certificate and key swapped?"
                  : "it should hold the server's certificate, then any intermediate ones."));
    }
    return chain;
  }

  private static PrivateKey readPrivateKey(Path file, PublicKey certificateKey) {
    String pem = readPem("private key", file);
    Matcher matcher = PKCS8.matcher(pem);
    if (!matcher.find()) {
      String problem =
          pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
              ? " is encrypted, and the proxy takes no passphrase." + CONVERT_HINT
              : pem.matches("(?s).*-----BEGIN [A-Z]+ PRIVATE KEY-----.*")
                  ? " is in OpenSSL's traditional format, not PKCS#8." + CONVERT_HINT
                  : pem.contains("-----BEGIN CERTIFICATE-----")
                      ? " holds a certificate, not a private key. Hint: are the certificate and"
                          + " key swapped?"
                      : " holds no PEM private key (-----BEGIN PRIVATE KEY-----). Hint: it should"
                          + " hold the certificate's private key, unencrypted PKCS#8.";
      throw new IllegalArgumentException("TLS private key file " + file + problem.formatted(file));
    }
    try {
      byte[] der = Base64.getMimeDecoder().decode(matcher.group(1).strip());
      return KeyFactory.getInstance(certificateKey.getAlgorithm())
          .generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "TLS private key file "
              + file
              + " holds no "
              + certificateKey.getAlgorithm()
              + " private key, which its certificate needs: "
              + sentence(e.getMessage())
              + " Hint: is it the certificate's key?");
    }
  }

  /** Signs with the key and verifies with the certificate's public key. */
  private static void checkPair(
      PrivateKey key, PublicKey certificateKey, Path keyFile, Path certificateFile) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "DSA" -> "SHA256withDSA";
          case "EdDSA", "Ed25519", "Ed448" -> key.getAlgorithm();
          default -> null; // RSASSA-PSS and others: the handshake will tell
        };
    if (algorithm == null) {
      return;
    }
    byte[] probe = "pgisolate".getBytes(StandardCharsets.US_ASCII);
    boolean matches;
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificateKey);
      verifier.update(probe);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      matches = false;
    }
    if (!matches) {
      throw new IllegalArgumentException(
          "TLS private key file "
              + keyFile
              + " does not match the certificate in "
              + certificateFile
              + ". Hint: give the key the certificate was made for.");
    }
  }

  private static String readPem(String what, Path file) {
    if (!Files.exists(file)) {
      throw new IllegalArgumentException(
          "TLS " + what + " file " + file + " does not exist. Hint: check the path.");
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException(
          "TLS "
              + what
              + " file "
              + file
              + " is not a readable file. Hint: check the path and its permissions.");
    }
    try {
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the TLS " + what + " file " + file + ": " + sentence(e.toString()));
    }
  }

  /** A cause's message as a sentence of its own: one line, ending with a period. */
  private static String sentence(String message) {
    String text = message == null ? "" : message.replaceAll("\\s+", " ").strip();
    return text.endsWith(".") ? text : text + ".";
  }
}
