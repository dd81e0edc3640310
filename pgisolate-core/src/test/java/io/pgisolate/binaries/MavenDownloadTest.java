package io.pgisolate.binaries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pgisolate.PgIsolateException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a Maven repository played by a local HTTP server. */
class MavenDownloadTest {
  private static final byte[] JAR = "not really a jar, but bytes to check".getBytes();

  @TempDir Path downloads;
  private HttpServer repository;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final AtomicInteger jarRequests = new AtomicInteger();

  /** What the repository answers for one path. */
  private interface Answer {
    void send(HttpExchange exchange) throws IOException;
  }

  @BeforeEach
  void startRepository() throws IOException {
    repository = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    repository.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          if (path.endsWith(".jar")) {
            jarRequests.incrementAndGet();
          }
          Answer answer = answers.get(path);
          if (answer == null) {
            exchange.sendResponseHeaders(404, -1);
          } else {
            answer.send(exchange);
          }
          exchange.close();
        });
    repository.start();
  }

  @AfterEach
  void stopRepository() {
    repository.stop(0);
  }

  @Test
  void downloadsOnceChecksTheSha1AndLeavesNoPartFile() throws Exception {
    serve("/a.jar", JAR);
    serve("/a.jar.sha1", (sha1(JAR) + "  a.jar\n").getBytes(StandardCharsets.US_ASCII));

    Path jar = fetch("a.jar");
    assertThat(jar).hasBinaryContent(JAR);
    assertThat(fetch("a.jar")).isEqualTo(jar);
    assertThat(jarRequests).hasValue(1);
    assertThat(partFiles()).isEmpty();
  }

  @Test
  void aCorruptDownloadIsRefusedNamingBothChecksumsAndLeavesNothing() throws Exception {
    serve("/a.jar", JAR);
    serve("/a.jar.sha1", sha1("other bytes".getBytes()).getBytes(StandardCharsets.US_ASCII));

    assertThatThrownBy(() -> fetch("a.jar"))
        .isInstanceOf(PgIsolateException.class)
        .hasMessageContaining("/a.jar is corrupt: its SHA-1 is " + sha1(JAR))
        .hasMessageContaining("where the repository publishes " + sha1("other bytes".getBytes()))
        .hasMessageContaining("Hint: run again")
        .satisfies(e -> assertThat(e.getMessage().lines()).hasSize(1));
    assertThat(downloads.resolve("a.jar")).doesNotExist();
    assertThat(partFiles()).isEmpty();
  }

  @Test
  void aDownloadCutHalfwayLeavesNothing() throws Exception {
    answers.put(
        "/a.jar",
        exchange -> {
          exchange.sendResponseHeaders(200, JAR.length);
          OutputStream body = exchange.getResponseBody();
          body.write(JAR, 0, JAR.length / 2);
          body.flush();
          // Closing short of the announced length makes the server drop the connection.
        });
    serve("/a.jar.sha1", sha1(JAR).getBytes(StandardCharsets.US_ASCII));

    assertThatThrownBy(() -> fetch("a.jar")).isInstanceOf(IOException.class);
    assertThat(downloads.resolve("a.jar")).doesNotExist();
    assertThat(partFiles()).isEmpty();
  }

  @Test
  void partFilesOfAJvmKilledMidDownloadAreDeletedByTheNextDownload() throws Exception {
    Files.write(downloads.resolve("a.jar.part"), "half of an older try".getBytes());
    Files.write(downloads.resolve("a.jar8123456.part"), "what earlier versions left".getBytes());
    Files.write(downloads.resolve("b.jar.part"), "another jar's, not ours".getBytes());
    serve("/a.jar", JAR);
    serve("/a.jar.sha1", sha1(JAR).getBytes(StandardCharsets.US_ASCII));

    assertThat(fetch("a.jar")).hasBinaryContent(JAR);
    assertThat(partFiles()).containsExactly(downloads.resolve("b.jar.part"));
  }

  @Test
  void aRepositoryWithoutChecksumsIsTrusted() throws Exception {
    serve("/a.jar", JAR);

    assertThat(fetch("a.jar")).hasBinaryContent(JAR);
  }

  @Test
  void aChecksumTheRepositoryFailsToServeLeavesTheDownloadUnused() throws Exception {
    serve("/a.jar", JAR);
    answers.put("/a.jar.sha1", exchange -> exchange.sendResponseHeaders(500, -1));

    assertThatThrownBy(() -> fetch("a.jar"))
        .isInstanceOf(PgIsolateException.class)
        .hasMessageMatching(
            "could not fetch the SHA-1 of http://.*/a\\.jar: HTTP 500\\. Hint: run again; the"
                + " download is not used unverified\\.");
    assertThat(downloads.resolve("a.jar")).doesNotExist();
    assertThat(partFiles()).isEmpty();
  }

  @Test
  void aMissingJarIsAnHttpErrorWithAHint() {
    assertThatThrownBy(() -> fetch("a.jar"))
        .isInstanceOf(PgIsolateException.class)
        .hasMessageMatching(
            "could not download http://.*/a\\.jar: HTTP 404\\. Hint: check that the repository .*");
    assertThat(downloads.resolve("a.jar")).doesNotExist();
  }

  private Path fetch(String name) throws IOException, InterruptedException {
    String url = "http://127.0.0.1:" + repository.getAddress().getPort() + "/" + name;
    return new MavenDownload(HttpClient.newHttpClient()).fetch(url, downloads.resolve(name));
  }

  private void serve(String path, byte[] body) {
    answers.put(
        path,
        exchange -> {
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
        });
  }

  private List<Path> partFiles() throws IOException {
    try (Stream<Path> files = Files.list(downloads)) {
      return files.filter(p -> p.toString().endsWith(".part")).toList();
    }
  }

  private static String sha1(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
  }
}
