package io.pgisolate.cluster;

import io.pgisolate.PgIsolateException;
import io.pgisolate.os.OsUser;
import io.pgisolate.os.RunAs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Checks that the user who runs the servers of a root JVM can pass through every directory down to
 * the clusters' base directory. Otherwise postgres fails at start with "could not access directory
 * …: Permission denied", which names neither the directory in the way nor the data root.
 */
final class DataRootAccess {
  private static final int OWNER_X = 0100;
  private static final int GROUP_X = 0010;
  private static final int OTHERS_X = 0001;

  private DataRootAccess() {}

  static void require(Path base, RunAs runAs) {
    List<Path> downward = new ArrayList<>();
    for (Path p = base.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
      downward.add(p);
    }
    Collections.reverse(downward);
    for (Path dir : downward) {
      // The mode bits decide for nearly every directory, without starting a process; ACLs and
      // the groups runuser keeps are for the user itself to say.
      if (Files.isDirectory(dir) && !canPass(dir, runAs.user()) && !runAs.canEnter(dir)) {
        throw closed(base.getParent(), dir, runAs.user());
      }
    }
  }

  private static boolean canPass(Path dir, OsUser user) {
    try {
      Map<String, Object> a = Files.readAttributes(dir, "unix:mode,uid,gid");
      int mode = (Integer) a.get("mode");
      if (((Integer) a.get("uid")).longValue() == user.uid()) {
        return (mode & OWNER_X) != 0;
      }
      if (((Integer) a.get("gid")).longValue() == user.gid()) {
        return (mode & GROUP_X) != 0;
      }
      return (mode & OTHERS_X) != 0;
    } catch (IOException | RuntimeException e) {
      return false; // the user's own check decides
    }
  }

  private static PgIsolateException closed(Path root, Path dir, OsUser user) {
    String how;
    try {
      how =
          " ("
              + PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))
              + ", owner "
              + Files.getOwner(dir).getName()
              + ")";
    } catch (IOException | RuntimeException e) {
      how = "";
    }
    return new PgIsolateException(
        "the data root "
            + root
            + " is closed to user "
            + user.name()
            + ", who runs the server: it cannot pass through "
            + dir
            + how
            + ". Hint: choose a data root every user can pass through (--data-root /tmp), or"
            + " open this directory (chmod o+x "
            + dir
            + ").");
  }
}
