package io.pgisolate.lease;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PeerProcessesTest {
  @Test
  void aClientWhoseConnectionClosedIsUnknownRatherThanFailingTheStatusReport() throws Exception {
    // A connection the server closed (a write to a client that had left) stays listed, with its
    // lease, until Netty reports it inactive in a later task: a STATUS in between must not fail.
    Epoll.ensureAvailability(); // loads the native library
    EpollDomainSocketChannel closed = new EpollDomainSocketChannel();
    closed.unsafe().closeForcibly();
    // Its descriptor's number is free again: the next file opened takes it (the lowest free one).
    try (FileChannel reuse = FileChannel.open(Path.of("/proc/self/stat"))) {
      assertThat(PeerProcesses.describe(closed)).isEqualTo("pid=? user=?");
    }
  }
}
