package io.pgisolate.lease;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code pgisolate wrap-each [-i] [-x] -- CMD…}: runs CMD once per pool database, in order, with
 * {@code PGDATABASE} set to the database and {@code PGM_DATABASE_SHARD} to its index; with {@code
 * xarg} the name is also CMD's last argument ({@code wrap-each -x -- dropdb}). Stops at the first
 * failure and returns its exit code, unless failures are ignored, then returns 0, as pgmanager
 * does.
 *
 * <p>Unlike pgmanager it starts no lease server: CMD is not told of one, and a server already
 * running on the default socket (typical while you prepare databases) does not make it fail.
 */
public final class LeaseWrapEach {
  public static final String DATABASE_ENV = "PGDATABASE";
  public static final String SHARD_ENV = "PGM_DATABASE_SHARD";

  private final String prefix;
  private final int count;
  private final List<String> command;
  private final boolean ignoreExitCode;
  private final boolean xarg;
  private final ChildCommand child = new ChildCommand();
  private volatile boolean stopped;

  public LeaseWrapEach(
      String prefix, int count, List<String> command, boolean ignoreExitCode, boolean xarg) {
    this.prefix = prefix;
    this.count = count;
    this.command = ChildCommand.check("wrap-each", command);
    this.ignoreExitCode = ignoreExitCode;
    this.xarg = xarg;
  }

  /** Reads prefix and count from the environment, as pgmanager does. */
  public static LeaseWrapEach fromEnvironment(
      Map<String, String> env, List<String> command, boolean ignoreExitCode, boolean xarg) {
    String prefix = LeaseSettings.prefix(env);
    int count = LeaseSettings.count(env);
    LeaseSettings.checkNameLength(env, prefix, count);
    return new LeaseWrapEach(prefix, count, command, ignoreExitCode, xarg);
  }

  public int run() {
    for (int n = 0; n < count && !stopped; n++) {
      String name = prefix + n;
      List<String> argv = new ArrayList<>(command);
      if (xarg) {
        argv.add(name);
      }
      int exit = child.run(argv, Map.of(DATABASE_ENV, name, SHARD_ENV, Integer.toString(n)));
      if (exit != 0 && !ignoreExitCode) {
        return exit;
      }
    }
    return 0;
  }

  /** For a shutdown hook: runs no further command and stops the current one. */
  public void stop() {
    stopped = true;
    child.stop();
  }
}
