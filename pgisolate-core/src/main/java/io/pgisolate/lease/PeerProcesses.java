package io.pgisolate.lease;

import io.pgisolate.os.Commands;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is on the other end of a client connection, for status reports.
 *
 * <p>The user comes from {@code SO_PEERCRED}. The pid is harder: the JDK's {@code SO_PEERCRED}
 * returns the user and group only, and {@code /proc} does not link the two ends of a UNIX socket.
 * The kernel does tell {@code ss -xp} (iproute2, through sock_diag): for each socket, its inode,
 * its peer's inode, and the processes and descriptors that hold it. So the pid is found when both
 * hold: {@code ss} is installed, and the JVM exports {@code sun.nio.ch} to pgisolate ({@code
 * --add-exports java.base/sun.nio.ch=ALL-UNNAMED}; the pgisolate launcher sets it) so that a
 * channel's descriptor can be read. Otherwise the report says {@code pid=?}. Lookups run only when
 * a status is asked for, never on the lease path.
 */
final class PeerProcesses {
  private static final Logger LOG = LoggerFactory.getLogger(PeerProcesses.class);
  private static final List<Path> SS =
      List.of(
          Path.of("/usr/bin/ss"), Path.of("/bin/ss"), Path.of("/usr/sbin/ss"), Path.of("/sbin/ss"));
  // u_str ESTAB 0 0 <local> <inode> <peer> <peer inode> users:(("name",pid=1,fd=5),…)
  private static final Pattern LINE =
      Pattern.compile(
          "^u_str\\s+\\S+\\s+\\d+\\s+\\d+\\s+\\S+\\s+(\\d+)\\s+\\S+\\s+(\\d+)\\s*(.*)$");
  private static final Pattern USER = Pattern.compile("pid=(\\d+),fd=(\\d+)");

  private final Optional<Path> ss;
  private final Optional<Method> fdOf;

  private PeerProcesses(Optional<Path> ss, Optional<Method> fdOf) {
    this.ss = ss;
    this.fdOf = fdOf;
  }

  static PeerProcesses detect() {
    Optional<Path> ss = SS.stream().filter(Files::isExecutable).findFirst();
    Optional<Method> fdOf = Optional.empty();
    try {
      if (Object.class.getModule().isExported("sun.nio.ch", PeerProcesses.class.getModule())) {
        fdOf = Optional.of(Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal"));
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("cannot read socket descriptors; status reports show pid=?", e);
    }
    return new PeerProcesses(ss, fdOf);
  }

  /** True when pids can be found (see the class comment). */
  boolean findsPids() {
    return ss.isPresent() && fdOf.isPresent();
  }

  /** One snapshot of the system's UNIX sockets, to describe several peers with. */
  Lookup lookup() {
    if (!findsPids()) {
      return new Lookup(Map.of(), Map.of());
    }
    Commands.Result result;
    try {
      result = Commands.run(List.of(ss.get().toString(), "-xpnH"), Duration.ofSeconds(5), null);
    } catch (RuntimeException e) {
      LOG.debug("ss failed; status reports show pid=?", e);
      return new Lookup(Map.of(), Map.of());
    }
    long me = ProcessHandle.current().pid();
    Map<Long, Long> peerOfMyFd = new HashMap<>();
    Map<Long, String> pidsOfInode = new HashMap<>();
    for (String line : result.output().split("\n")) {
      Matcher m = LINE.matcher(line.strip());
      if (!m.matches()) {
        continue;
      }
      long inode = Long.parseLong(m.group(1));
      long peer = Long.parseLong(m.group(2));
      StringBuilder pids = new StringBuilder();
      Matcher u = USER.matcher(m.group(3));
      while (u.find()) {
        long pid = Long.parseLong(u.group(1));
        if (pid == me) {
          peerOfMyFd.put(Long.parseLong(u.group(2)), peer);
        }
        if (pids.indexOf(u.group(1)) < 0) {
          pids.append(pids.length() == 0 ? "" : ",").append(u.group(1));
        }
      }
      if (pids.length() > 0) {
        pidsOfInode.put(inode, pids.toString());
      }
    }
    return new Lookup(peerOfMyFd, pidsOfInode);
  }

  /** Peers as of one {@code ss} run. */
  final class Lookup {
    private final Map<Long, Long> peerOfMyFd;
    private final Map<Long, String> pidsOfInode;

    private Lookup(Map<Long, Long> peerOfMyFd, Map<Long, String> pidsOfInode) {
      this.peerOfMyFd = peerOfMyFd;
      this.pidsOfInode = pidsOfInode;
    }

    /** "pid=… user=…", with {@code ?} for what is unknown. */
    String describe(SocketChannel channel) {
      return "pid=" + pid(channel) + " user=" + user(channel);
    }

    private String pid(SocketChannel channel) {
      if (fdOf.isEmpty()) {
        return "?";
      }
      try {
        long fd = ((Number) fdOf.get().invoke(channel)).longValue();
        Long peer = peerOfMyFd.get(fd);
        String pids = peer == null ? null : pidsOfInode.get(peer);
        return pids == null ? "?" : pids;
      } catch (ReflectiveOperationException | RuntimeException e) {
        return "?";
      }
    }
  }

  private static String user(SocketChannel channel) {
    try {
      return channel.getOption(ExtendedSocketOptions.SO_PEERCRED).user().getName();
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }
}
