package io.pgisolate.lease;

import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Who is on the other end of a client connection, for status reports: the process that connected
 * and its user, as the kernel recorded them at connect ({@code SO_PEERCRED}, see unix(7)). Read
 * only when a status is asked for, never on the lease path.
 */
final class PeerProcesses {
  private PeerProcesses() {}

  /** "pid=… user=…", with {@code ?} for what is unknown. */
  static String describe(EpollDomainSocketChannel channel) {
    if (!channel.isOpen()) {
      // Closed by the server (a write to a client that had left) and listed until Netty reports
      // it inactive: its descriptor's number may belong to another file or client by now.
      return "pid=? user=?";
    }
    PeerCredentials peer;
    try {
      peer = channel.peerCredentials();
    } catch (IOException | ChannelException e) {
      return "pid=? user=?";
    }
    // pid 0: the peer is in a pid namespace this server cannot see into.
    String pid = peer.pid() > 0 ? String.valueOf(peer.pid()) : "?";
    return "pid=" + pid + " user=" + userName(peer.uid(), peer.pid());
  }

  /**
   * The name of user {@code uid}. Java names users only as owners of files, so it is asked of files
   * the user owns: the peer's /proc entry, or this server's (the socket is 0600: a peer is most
   * often this server's user). The number when neither belongs to that user.
   */
  private static String userName(int uid, int pid) {
    for (Path owned : List.of(Path.of("/proc", String.valueOf(pid)), Path.of("/proc/self"))) {
      try {
        if (((Number) Files.getAttribute(owned, "unix:uid")).intValue() == uid) {
          return Files.getOwner(owned).getName();
        }
      } catch (IOException | RuntimeException e) {
        // gone already, or not readable: try the next
      }
    }
    return String.valueOf(uid);
  }
}
