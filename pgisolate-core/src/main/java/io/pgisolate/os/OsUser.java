package io.pgisolate.os;

import com.sun.security.auth.module.UnixSystem;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** An operating-system account, as far as pgisolate needs one: to own files and run servers. */
public record OsUser(String name, long uid, long gid) {

  /** The effective user of this JVM. */
  public static OsUser current() {
    UnixSystem system = new UnixSystem();
    return new OsUser(system.getUsername(), system.getUid(), system.getGid());
  }

  /** Looks an account up through the system's name service (so LDAP users work too). */
  public static Optional<OsUser> lookup(String name) {
    Commands.Result result =
        Commands.run(List.of("getent", "passwd", name), Duration.ofSeconds(10), null);
    if (result.exitCode() != 0) {
      return Optional.empty();
    }
    // name:password:uid:gid:gecos:home:shell
    String[] fields = result.output().strip().split(":");
    if (fields.length < 4) {
      return Optional.empty();
    }
    return Optional.of(new OsUser(fields[0], Long.parseLong(fields[2]), Long.parseLong(fields[3])));
  }

  public boolean isRoot() {
    return uid == 0;
  }
}
