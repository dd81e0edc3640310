package io.pgisolate.lease;

import io.pgisolate.PgIsolateException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A database leased from a lease server (pgisolate's or pgmanager's): exclusively yours until
 * {@link #close()}.
 *
 * <pre>{@code
 * try (DatabaseLease lease = DatabaseLease.builder()
 *     .baseUrl("jdbc:postgresql://localhost:5432/postgres?user=test")
 *     .acquire()) {
 *   DriverManager.getConnection(lease.url().orElseThrow());
 * }
 * }</pre>
 *
 * <p>The socket is {@code PGM_SOCKET}, else {@code PGMANAGER_SOCKET}, else {@value
 * LeaseSettings#DEFAULT_SOCKET} from the working directory, as pgmanager's client looks for it. The
 * client sends nothing: a pgmanager server holds leases only for clients that send nothing.
 */
public final class DatabaseLease implements AutoCloseable {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
  private static final Pattern URL =
      Pattern.compile("^((?:jdbc:postgresql|postgres|postgresql)://[^/?#]*)(/[^?#]*)?([?#].*)?$");

  private final String name;
  private final Path socket;
  private final Optional<String> url;
  private final SocketChannel channel;

  private DatabaseLease(String name, Path socket, Optional<String> url, SocketChannel channel) {
    this.name = name;
    this.socket = socket;
    this.url = url;
    this.channel = channel;
  }

  /** Leases a database from the server the environment names, waiting up to 5 minutes. */
  public static DatabaseLease acquire() {
    return builder().acquire();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The leased database's name. */
  public String name() {
    return name;
  }

  public Path socket() {
    return socket;
  }

  /**
   * The base URL given to the builder with the leased database in place of its database, e.g.
   * {@code jdbc:postgresql://h:5432/app_test3?user=u}; empty when no base URL was given.
   */
  public Optional<String> url() {
    return url;
  }

  /** Gives the database back: the server hands it to the next client. Idempotent. */
  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // Closing a UNIX socket does not fail in a way that keeps the lease.
    }
  }

  @Override
  public String toString() {
    return name;
  }

  /** Settings of one acquisition. */
  public static final class Builder {
    private Optional<Path> socket = Optional.empty();
    private Duration timeout = DEFAULT_TIMEOUT;
    private Optional<String> baseUrl = Optional.empty();
    private Map<String, String> environment = System.getenv();
    private Path workingDirectory = Path.of("");

    private Builder() {}

    /** The server's socket; default from the environment (see the class comment). */
    public Builder socket(Path socket) {
      this.socket = Optional.of(socket);
      return this;
    }

    /** How long to wait for a database when all are leased. */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("timeout must not be negative: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * A JDBC URL ({@code jdbc:postgresql://…}) or URI ({@code postgres://…}) of the server that
     * holds the pool's databases; {@link #url()} is this URL with the leased database in it.
     */
    public Builder baseUrl(String baseUrl) {
      if (!URL.matcher(baseUrl).matches()) {
        throw new PgIsolateException(
            "base URL '"
                + baseUrl
                + "' is neither a jdbc:postgresql:// URL nor a postgres:// URI. Hint: e.g."
                + " jdbc:postgresql://localhost:5432/postgres?user=test");
      }
      this.baseUrl = Optional.of(baseUrl);
      return this;
    }

    /** Where PGM_SOCKET and PGMANAGER_SOCKET are read from; default the process environment. */
    public Builder environment(Map<String, String> environment) {
      this.environment = Objects.requireNonNull(environment);
      return this;
    }

    /** Connects and waits for a database. */
    public DatabaseLease acquire() {
      Path path =
          socket
              .map(p -> p.toAbsolutePath().normalize())
              .orElseGet(
                  () ->
                      LeaseSettings.socket(
                          environment, Optional.empty(), workingDirectory.toAbsolutePath()));
      SocketChannel channel = connect(path);
      try {
        String answer = readAnswer(channel, path, timeout);
        String name = answer.substring(3).replace("\0", "");
        return new DatabaseLease(name, path, baseUrl.map(u -> withDatabase(u, name)), channel);
      } catch (RuntimeException e) {
        closeQuietly(channel);
        throw e;
      }
    }
  }

  /**
   * Asks the server at {@code socket} for its {@linkplain LeaseServer status report}. A pgmanager
   * server does not know {@code STATUS}, and it never takes back a database from a client that sent
   * anything: no request is sent to a server that is not pgisolate's (see {@link
   * SocketFile#servedByPgisolate}); that is refused with a message saying so.
   */
  public static String status(Path socket, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    if (Files.exists(socket) && !SocketFile.servedByPgisolate(socket)) {
      throw new PgIsolateException(
          "the server on "
              + socket
              + " is not a pgisolate server (none holds "
              + socket.getFileName()
              + ".lock): is it a pgmanager server? Only pgisolate serve reports status, and a"
              + " pgmanager would keep the database it handed to the request for good.");
    }
    try (SocketChannel channel = connect(socket)) {
      channel.write(ByteBuffer.wrap("STATUS\n".getBytes(StandardCharsets.US_ASCII)));
      String answer = readReport(channel, socket, deadline);
      if (answer.startsWith("OK:")) {
        // Handed a database before the request arrived: the report follows on the next line.
        int newline = answer.indexOf('\n');
        if (newline < 0) {
          throw new PgIsolateException(
              "the server on "
                  + socket
                  + " answered STATUS with a lease only ("
                  + answer
                  + "). Hint: is it a pgmanager server? Only pgisolate serve reports status.");
        }
        answer = answer.substring(newline + 1);
      }
      return answer.endsWith("\n\n") ? answer.substring(0, answer.length() - 1) : answer;
    } catch (IOException e) {
      throw new PgIsolateException(
          "lost the connection to the lease server on " + socket + ": " + e, e);
    }
  }

  static String withDatabase(String baseUrl, String database) {
    Matcher m = URL.matcher(baseUrl);
    if (!m.matches()) {
      throw new IllegalArgumentException(baseUrl);
    }
    String encoded = io.pgisolate.sql.PgServer.urlPart(database);
    return m.group(1) + "/" + encoded + (m.group(3) == null ? "" : m.group(3));
  }

  private static SocketChannel connect(Path socket) {
    try {
      return SocketChannel.open(UnixDomainSocketAddress.of(socket));
    } catch (ClosedByInterruptException e) {
      throw new PgIsolateException(
          "interrupted while connecting to the lease server on " + socket, e);
    } catch (IOException e) {
      String why =
          Files.exists(socket)
              ? "nothing listens on it (a server that stopped or crashed left it)"
              : "the socket does not exist";
      throw new PgIsolateException(
          "no lease server on "
              + socket
              + ": "
              + why
              + ". Hint: start one with 'pgisolate serve' or run the tests under 'pgisolate wrap"
              + " -- …', and point "
              + LeaseSettings.SOCKET_ENV
              + " at its socket.",
          e);
    }
  }

  private static String readAnswer(SocketChannel channel, Path socket, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    ByteBuffer buffer = ByteBuffer.allocate(1024);
    try (Selector selector = Selector.open()) {
      channel.configureBlocking(false);
      channel.register(selector, SelectionKey.OP_READ);
      while (true) {
        int n = channel.read(buffer);
        if (n < 0) {
          throw new PgIsolateException(
              "the lease server on "
                  + socket
                  + " closed the connection without handing out a database. Hint: it may have"
                  + " been stopped; check its output.");
        }
        // pgmanager's client reads once; we read until "OK:" and a name are in, then take what
        // came (the server writes the answer in one piece and nothing after it).
        if (buffer.position() > 3) {
          break;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw timeout(socket, timeout);
        }
        awaitReadable(selector, left, "a database", socket);
      }
      channel.keyFor(selector).cancel();
      selector.selectNow();
      channel.configureBlocking(true);
    } catch (IOException e) {
      throw new PgIsolateException(
          "lost the connection to the lease server on " + socket + ": " + e, e);
    }
    String answer = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    if (!answer.startsWith("OK:")) {
      throw new PgIsolateException(
          "the lease server on "
              + socket
              + " answered '"
              + answer.strip()
              + "' instead of OK:<database>. Hint: is "
              + socket
              + " a pgmanager or pgisolate socket?");
    }
    return answer;
  }

  private static PgIsolateException timeout(Path socket, Duration timeout) {
    String state;
    // status() refuses to ask a pgmanager, which would keep the database it handed the request.
    try {
      String report = status(socket, Duration.ofSeconds(1));
      String first = report.lines().findFirst().orElse("");
      Matcher m = Pattern.compile("leased=\\d+ free=\\d+ waiting=\\d+").matcher(first);
      state = m.find() ? " (server: " + m.group() + ")" : "";
    } catch (RuntimeException e) {
      state = "";
    }
    return new PgIsolateException(
        "timed out after "
            + timeout.toMillis()
            + " ms waiting for a database from the lease server on "
            + socket
            + state
            + ": every database stayed leased. Hint: a holder keeps its lease too long, or the pool"
            + " is too small (PGM_DATABASE_COUNT).");
  }

  /** Reads until the empty line that ends a report, the end of the stream, or the deadline. */
  private static String readReport(SocketChannel channel, Path socket, long deadline)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(8192);
    try (Selector selector = Selector.open()) {
      channel.configureBlocking(false);
      channel.register(selector, SelectionKey.OP_READ);
      while (true) {
        buffer.clear();
        int n = channel.read(buffer);
        if (n < 0) {
          return out.toString(StandardCharsets.UTF_8);
        }
        out.write(buffer.array(), 0, n);
        String text = out.toString(StandardCharsets.UTF_8);
        if (text.endsWith("\n\n")) {
          return text;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new PgIsolateException(
              "timed out waiting for the status report of the lease server on "
                  + socket
                  + (text.startsWith("OK:") && text.indexOf('\n') < 0
                      ? " (it answered with a lease only: is it a pgmanager server? Only"
                          + " pgisolate serve reports status)."
                      : ".")
                  + " Hint: check that the server is pgisolate serve and responsive.");
        }
        if (n == 0) {
          awaitReadable(selector, left, "the status report", socket);
        }
      }
    }
  }

  /**
   * Waits until the channel has something to read, at most {@code nanos}. An interrupt ends the
   * wait with an exception, the thread left interrupted: a selector returns at once while the
   * thread is interrupted, so waiting on would spin until the deadline.
   */
  private static void awaitReadable(Selector selector, long nanos, String what, Path socket)
      throws IOException {
    selector.select(Math.max(1, nanos / 1_000_000));
    selector.selectedKeys().clear();
    if (Thread.currentThread().isInterrupted()) {
      throw new PgIsolateException(
          "interrupted while waiting for " + what + " from the lease server on " + socket);
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing to give back
    }
  }
}
