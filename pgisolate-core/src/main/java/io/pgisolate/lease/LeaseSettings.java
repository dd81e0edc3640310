package io.pgisolate.lease;

import io.pgisolate.PgIsolateException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a lease server serves and where, read the way pgmanager reads it.
 *
 * <ul>
 *   <li>{@code PGM_DATABASE_PREFIX}, required; {@code DATABASE_PREFIX} when it is not set.
 *   <li>{@code PGM_DATABASE_COUNT}, default 8; {@code DATABASE_COUNT} when it is not set.
 *   <li>The socket: the {@code --socket}/{@code -s} option, else {@code PGM_SOCKET}, else {@code
 *       PGMANAGER_SOCKET}, else {@value #DEFAULT_SOCKET}; a relative path is taken from the working
 *       directory.
 * </ul>
 *
 * <p>Unlike pgmanager, a count that is not a number is an error rather than a silent 8.
 *
 * @param prefix databases are named {@code {prefix}0 … {prefix}{count−1}}
 * @param count how many databases the pool holds
 * @param socket absolute path of the UNIX socket
 * @param backend a PostgreSQL server whose advisory locks share the pool with other lease servers
 *     ({@code --backend}, see {@link AdvisoryLockGate}); empty for a pool of this server alone
 * @param databases what to do to the databases themselves ({@code --create}, {@code --reset})
 */
public record LeaseSettings(
    String prefix,
    int count,
    Path socket,
    Optional<String> backend,
    Optional<LeaseDatabases> databases) {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseSettings.class);

  public static final String PREFIX_ENV = "PGM_DATABASE_PREFIX";
  public static final String PREFIX_FALLBACK_ENV = "DATABASE_PREFIX";
  public static final String COUNT_ENV = "PGM_DATABASE_COUNT";
  public static final String COUNT_FALLBACK_ENV = "DATABASE_COUNT";
  public static final String SOCKET_ENV = "PGM_SOCKET";
  public static final String SOCKET_FALLBACK_ENV = "PGMANAGER_SOCKET";
  public static final String DEFAULT_SOCKET = "tmp/pgmanager.sock";
  public static final int DEFAULT_COUNT = 8;
  public static final int MAX_COUNT = 10_000;

  /** PostgreSQL truncates identifiers to NAMEDATALEN − 1 = 63 bytes. */
  private static final int MAX_NAME_BYTES = 63;

  /** sun_path holds 108 bytes on Linux, including the terminating NUL. */
  private static final int MAX_SOCKET_PATH_BYTES = 107;

  public LeaseSettings {
    if (count < 1 || count > MAX_COUNT) {
      throw new IllegalArgumentException("count must be 1…" + MAX_COUNT + ", got " + count);
    }
    socket = socket.toAbsolutePath().normalize();
    backend = backend == null ? Optional.empty() : backend;
    databases = databases == null ? Optional.empty() : databases;
    if (backend.isPresent() && databases.isPresent()) {
      // Both make every database afresh at start (and --create drops them at exit), whoever
      // leases them: with a shared pool, the clients of other machines.
      throw new PgIsolateException(
          "--create and --reset cannot be used with --backend: they would drop databases that the"
              + " lease servers of other machines lease. Hint: make the databases once (e.g."
              + " pgisolate wrap-each -- createdb) and serve them with --backend alone.");
    }
  }

  public LeaseSettings(String prefix, int count, Path socket) {
    this(prefix, count, socket, Optional.empty(), Optional.empty());
  }

  public LeaseSettings(String prefix, int count, Path socket, Optional<String> backend) {
    this(prefix, count, socket, backend, Optional.empty());
  }

  /** These settings with the pool shared through {@code backend} (see {@link AdvisoryLockGate}). */
  public LeaseSettings withBackend(Optional<String> backend) {
    return new LeaseSettings(prefix, count, socket, backend, databases);
  }

  /** These settings creating or resetting the databases (see {@link LeaseDatabases}). */
  public LeaseSettings withDatabases(Optional<LeaseDatabases> databases) {
    return new LeaseSettings(prefix, count, socket, backend, databases);
  }

  /** Reads prefix, count and socket from {@code env}, as {@code serve} and {@code wrap} do. */
  public static LeaseSettings fromEnvironment(
      Map<String, String> env, Optional<String> socketOption, Path workingDirectory) {
    String prefix = prefix(env);
    int count = count(env);
    checkNameLength(env, prefix, count);
    return new LeaseSettings(prefix, count, socket(env, socketOption, workingDirectory));
  }

  /**
   * Refuses a prefix whose last database name PostgreSQL would truncate to 63 bytes: names would
   * collide ({@code p…p10} becomes {@code p…p1}), and a command run on one would hit another.
   */
  static void checkNameLength(Map<String, String> env, String prefix, int count) {
    int widest = (prefix + (count - 1)).getBytes(StandardCharsets.UTF_8).length;
    if (widest > MAX_NAME_BYTES) {
      throw new PgIsolateException(
          variable(env, PREFIX_ENV, PREFIX_FALLBACK_ENV)
              + " is too long: database "
              + prefix
              + (count - 1)
              + " would be "
              + widest
              + " bytes and PostgreSQL keeps only "
              + MAX_NAME_BYTES
              + ". Hint: use a shorter prefix.");
    }
  }

  /** The database prefix, for commands (wrap-each) that need no socket. */
  public static String prefix(Map<String, String> env) {
    String name = variable(env, PREFIX_ENV, PREFIX_FALLBACK_ENV);
    String value = env.get(name);
    if (value == null) {
      throw new PgIsolateException(
          PREFIX_ENV
              + " is not set: the lease pool needs a database name prefix. Hint: export "
              + PREFIX_ENV
              + "=myapp_test to lease myapp_test0, myapp_test1, …");
    }
    if (value.isBlank()) {
      throw new PgIsolateException(
          name + " is empty. Hint: set it to the databases' common prefix, e.g. myapp_test.");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new PgIsolateException(
            name
                + " contains a control character (code "
                + (int) value.charAt(i)
                + "). Hint: use letters, digits and underscores.");
      }
    }
    return value;
  }

  /** The pool size, for commands (wrap-each) that need no socket. */
  public static int count(Map<String, String> env) {
    String name = variable(env, COUNT_ENV, COUNT_FALLBACK_ENV);
    String value = env.get(name);
    if (value == null) {
      return DEFAULT_COUNT;
    }
    int count;
    try {
      count = Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      count = -1;
    }
    if (count < 1 || count > MAX_COUNT) {
      throw new PgIsolateException(
          name
              + " must be a whole number from 1 to "
              + MAX_COUNT
              + ", got '"
              + value
              + "'. Hint: unset it for the default of "
              + DEFAULT_COUNT
              + ".");
    }
    return count;
  }

  /** The socket path: option, then PGM_SOCKET, then PGMANAGER_SOCKET, then the default. */
  public static Path socket(
      Map<String, String> env, Optional<String> socketOption, Path workingDirectory) {
    String source;
    String value;
    if (socketOption.isPresent()) {
      source = "--socket";
      value = socketOption.get();
    } else if (env.containsKey(SOCKET_ENV)) {
      source = SOCKET_ENV;
      value = env.get(SOCKET_ENV);
    } else if (env.containsKey(SOCKET_FALLBACK_ENV)) {
      source = SOCKET_FALLBACK_ENV;
      value = env.get(SOCKET_FALLBACK_ENV);
    } else {
      source = "the default socket";
      value = DEFAULT_SOCKET;
    }
    if (value.isBlank()) {
      throw new PgIsolateException(
          source + " is empty. Hint: give a socket file path, e.g. " + DEFAULT_SOCKET + ".");
    }
    if (value.indexOf('\0') >= 0) {
      throw new PgIsolateException(
          source + " contains a NUL character. Hint: give a plain socket file path.");
    }
    Path path = workingDirectory.resolve(value).toAbsolutePath().normalize();
    int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_SOCKET_PATH_BYTES) {
      throw new PgIsolateException(
          "socket path "
              + path
              + " (from "
              + source
              + ") is "
              + bytes
              + " bytes long, but UNIX sockets allow at most "
              + MAX_SOCKET_PATH_BYTES
              + ". Hint: choose a shorter path with --socket or "
              + SOCKET_ENV
              + ".");
    }
    return path;
  }

  /** The variable to read: the PGM_ one when set (even empty), else the fallback when set. */
  private static String variable(Map<String, String> env, String primary, String fallback) {
    if (!env.containsKey(primary) && env.containsKey(fallback)) {
      LOG.warn("{} is not set; using {} (deprecated, as in pgmanager)", primary, fallback);
      return fallback;
    }
    return primary;
  }
}
