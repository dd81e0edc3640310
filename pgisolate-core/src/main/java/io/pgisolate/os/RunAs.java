package io.pgisolate.os;

import io.pgisolate.PgIsolateException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The account that runs initdb and postgres. Both refuse to run as root, and CI containers run as
 * root, so a root JVM runs them as an unprivileged user and hands that user the files they need. A
 * JVM that is not root runs them as itself.
 */
public final class RunAs {
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
  private static final Path RUNUSER = Path.of("/usr/sbin/runuser");
  private static final ConcurrentMap<String, RunAs> RESOLVED = new ConcurrentHashMap<>();

  private final OsUser user;
  private final List<String> prefix;

  private RunAs(OsUser user, List<String> prefix) {
    this.user = user;
    this.prefix = prefix;
  }

  /**
   * Resolves who runs the servers. {@code requested} names a user for a root JVM; when empty, it is
   * {@code postgres} if that account exists, else {@code nobody}.
   */
  public static RunAs resolve(Optional<String> requested) {
    return RESOLVED.computeIfAbsent(requested.orElse(""), key -> compute(requested));
  }

  private static RunAs compute(Optional<String> requested) {
    OsUser me = OsUser.current();
    if (!me.isRoot()) {
      if (requested.isPresent() && !requested.get().equals(me.name())) {
        throw new PgIsolateException(
            "cannot run PostgreSQL as user '"
                + requested.get()
                + "': only root can switch users, and this JVM runs as '"
                + me.name()
                + "'. Hint: drop the run-as option; a non-root JVM runs PostgreSQL as itself.");
      }
      return new RunAs(me, List.of());
    }
    OsUser target = requested.map(RunAs::existing).orElseGet(RunAs::defaultUser);
    if (target.isRoot()) {
      throw new PgIsolateException(
          "cannot run PostgreSQL as root: initdb and postgres refuse it. Hint: name an"
              + " unprivileged user with the run-as option (--run-as, runAs(...)).");
    }
    return new RunAs(target, switchCommand(target));
  }

  private static OsUser existing(String name) {
    return OsUser.lookup(name)
        .orElseThrow(
            () ->
                new PgIsolateException(
                    "cannot run PostgreSQL as user '"
                        + name
                        + "': no such user. Hint: create it (useradd --system "
                        + name
                        + ") or name an existing unprivileged user."));
  }

  private static OsUser defaultUser() {
    return OsUser.lookup("postgres")
        .or(() -> OsUser.lookup("nobody"))
        .orElseThrow(
            () ->
                new PgIsolateException(
                    "cannot run PostgreSQL as root and found neither a 'postgres' nor a 'nobody'"
                        + " user to run it as. Hint: create one (useradd --system postgres) or"
                        + " name one with the run-as option."));
  }

  private static List<String> switchCommand(OsUser target) {
    if (Files.isExecutable(SETPRIV)) {
      // setpriv execs in place: the pid we get back is postgres's own, with no PAM session.
      return List.of(
          SETPRIV.toString(),
          "--reuid=" + target.uid(),
          "--regid=" + target.gid(),
          "--clear-groups",
          "--");
    }
    if (Files.isExecutable(RUNUSER)) {
      return List.of(RUNUSER.toString(), "-u", target.name(), "--");
    }
    throw new PgIsolateException(
        "cannot switch to user '"
            + target.name()
            + "' to run PostgreSQL: neither setpriv nor runuser is installed. Hint: install"
            + " util-linux, or run the JVM as an unprivileged user.");
  }

  public OsUser user() {
    return user;
  }

  /** True when servers run as another user than the JVM (the JVM is root). */
  public boolean switchesUser() {
    return !prefix.isEmpty();
  }

  /** The command line that runs {@code command} as {@link #user()}. */
  public List<String> wrap(List<String> command) {
    if (prefix.isEmpty()) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(prefix);
    wrapped.addAll(command);
    return wrapped;
  }

  /** Whether {@link #user()} can create files in {@code dir} (every parent must let it pass). */
  public boolean canWrite(Path dir) {
    List<String> test = wrap(List.of("test", "-w", dir.toString(), "-a", "-x", dir.toString()));
    return Commands.run(test, java.time.Duration.ofSeconds(10), null).exitCode() == 0;
  }

  /** Whether {@link #user()} can pass through {@code dir} (and every directory above it). */
  public boolean canEnter(Path dir) {
    List<String> test = wrap(List.of("test", "-x", dir.toString()));
    return Commands.run(test, java.time.Duration.ofSeconds(10), null).exitCode() == 0;
  }

  /** Hands {@code path} (not its contents) to the server user, when that is another user. */
  public void own(Path path) {
    if (!switchesUser()) {
      return;
    }
    try {
      Files.setAttribute(path, "unix:uid", (int) user.uid(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(path, "unix:gid", (int) user.gid(), LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new UncheckedIOException("could not give " + path + " to user " + user.name(), e);
    }
  }
}
