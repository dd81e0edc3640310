package io.pgisolate.lease;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** A raw protocol client for tests: connect, read what arrives within a bound, send bytes. */
final class TestClient implements AutoCloseable {
  private final SocketChannel channel;
  private final Selector selector;
  private final StringBuilder received = new StringBuilder();

  private TestClient(SocketChannel channel) throws IOException {
    this.channel = channel;
    channel.configureBlocking(false);
    this.selector = Selector.open();
    channel.register(selector, SelectionKey.OP_READ);
  }

  static TestClient connect(Path socket) {
    try {
      return new TestClient(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  TestClient send(String text) {
    try {
      ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads until {@code n} characters have arrived or {@code within} passed; all received so far.
   */
  String awaitChars(int n, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    try {
      ByteBuffer buffer = ByteBuffer.allocate(8192);
      while (received.length() < n) {
        buffer.clear();
        int read = channel.read(buffer);
        if (read < 0) {
          break;
        }
        received.append(new String(buffer.array(), 0, read, StandardCharsets.UTF_8));
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        if (read == 0) {
          selector.select(Math.max(1, left / 1_000_000));
          selector.selectedKeys().clear();
        }
      }
      return received.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The database of an "OK:<name>" answer, once it came, within {@code within}. */
  Optional<String> awaitLease(Duration within) {
    String text = awaitChars(4, within);
    if (!text.startsWith("OK:")) {
      return Optional.empty();
    }
    // The name comes in the same write as "OK:": what arrived is all of it.
    return Optional.of(awaitChars(Integer.MAX_VALUE, Duration.ZERO).substring(3));
  }

  /** Reads until the server closes, at most {@code within}. */
  String readToEnd(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    try {
      ByteBuffer buffer = ByteBuffer.allocate(8192);
      while (System.nanoTime() < deadline) {
        buffer.clear();
        int read = channel.read(buffer);
        if (read < 0) {
          return received.toString();
        }
        received.append(new String(buffer.array(), 0, read, StandardCharsets.UTF_8));
        if (read == 0) {
          selector.select(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
          selector.selectedKeys().clear();
        }
      }
      throw new AssertionError("server did not close within " + within + "; got: " + received);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void shutdownOutput() {
    try {
      channel.shutdownOutput();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      selector.close();
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
