package io.pgisolate.template;

import io.pgisolate.PgIsolateException;
import io.pgisolate.sql.PgServer;
import io.pgisolate.sql.Sql;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds template databases: once per source content, even when several JVMs or machines ask at the
 * same moment (a PostgreSQL advisory lock elects the builder, the others wait and reuse its
 * result). A template is built under a temporary name and renamed when complete, so nobody clones a
 * half-built one; it is then marked {@code datistemplate} and closed to connections.
 */
public final class Templates {
  /** Template names: {@code pgi_t_<source id>_<content hash>}. */
  public static final String PREFIX = "pgi_t_";

  /** How many templates of one source are kept (the current one and older ones in use). */
  static final int KEEP = 3;

  /** The first key of the template-in-use locks: "pgi2". */
  static final int IN_USE_LOCK_CLASS = 0x70676932;

  /** The suffix of a template's name while it is being built. */
  private static final String BUILDING = "_building";

  private static final String LOCK_TIMEOUT_STATE = "55P03";
  private static final Logger log = LoggerFactory.getLogger(Templates.class);

  private Templates() {}

  /** The template of {@code source} on {@code server}, built now if it does not exist yet. */
  public static Template ensure(PgServer server, InitSource source, Duration lockTimeout) {
    String sourceId = hash(source.identity(), 4);
    String name = nameOf(source);
    try (Connection admin = server.connect(server.adminDatabase())) {
      if (isTemplate(admin, name)) {
        log.debug("Template {} of {} exists", name, source.identity());
        return new Template(server, name, source);
      }
      long key = lockKey(name);
      // It idles while the build runs on another connection, holding the lock.
      PgServer.prepareLongLivedSession(admin);
      lock(admin, key, lockTimeout, name, server);
      try {
        if (!isTemplate(admin, name)) {
          build(server, admin, source, name);
          dropOlder(admin, PREFIX + sourceId + "_", name);
          dropAbandonedBuilds(admin, PREFIX + sourceId + "_");
        }
      } finally {
        try (Statement st = admin.createStatement()) {
          st.execute("SELECT pg_advisory_unlock(" + key + ")");
        }
      }
      return new Template(server, name, source);
    } catch (SQLException e) {
      throw new PgIsolateException(
          "template for "
              + source.identity()
              + " could not be prepared on "
              + server.host()
              + ":"
              + server.port()
              + ": "
              + e.getMessage().replaceAll("\\R\\s*", " ")
              + ". Hint: the user needs the CREATEDB privilege.",
          e);
    }
  }

  /**
   * The name of the template {@code source} builds, from its content as it is now: reads (and
   * hashes) the source's files, so an edited file gives another name.
   */
  public static String nameOf(InitSource source) {
    return PREFIX + hash(source.identity(), 4) + "_" + hash(source.fingerprint(), 8);
  }

  private static void build(PgServer server, Connection admin, InitSource source, String name)
      throws SQLException {
    long started = System.nanoTime();
    String building = name + BUILDING;
    drop(admin, building);
    try (Statement st = admin.createStatement()) {
      st.execute("CREATE DATABASE " + Sql.identifier(building) + " TEMPLATE template0");
    }
    try {
      try (Connection c = server.connect(building, true)) {
        source.apply(new InitTarget(server, building, java.util.Optional.empty(), c));
      }
      // Rename and mark in one transaction: others see a complete template or none.
      admin.setAutoCommit(false);
      try (Statement st = admin.createStatement()) {
        st.execute(
            "ALTER DATABASE " + Sql.identifier(building) + " RENAME TO " + Sql.identifier(name));
        st.execute(
            "ALTER DATABASE "
                + Sql.identifier(name)
                + " WITH IS_TEMPLATE true ALLOW_CONNECTIONS false");
        admin.commit();
      } finally {
        admin.setAutoCommit(true);
      }
    } catch (SQLException | RuntimeException e) {
      drop(admin, building);
      if (e instanceof PgIsolateException p) {
        throw new PgIsolateException(
            "template " + name + " could not be built: " + p.getMessage(), p.getCause());
      }
      throw e;
    }
    log.info(
        "Built template {} from {} in {} ms",
        name,
        source.identity(),
        (System.nanoTime() - started) / 1_000_000);
  }

  private static void lock(
      Connection admin, long key, Duration timeout, String name, PgServer server)
      throws SQLException {
    try (Statement st = admin.createStatement()) {
      st.execute("SET lock_timeout = " + Math.max(1, timeout.toMillis()));
      st.execute("SELECT pg_advisory_lock(" + key + ")");
      st.execute("SET lock_timeout = 0");
    } catch (SQLException e) {
      if (LOCK_TIMEOUT_STATE.equals(e.getSQLState())) {
        throw new PgIsolateException(
            "timed out after "
                + timeout.toMillis()
                + " ms waiting for the lock on template "
                + name
                + " on "
                + server.host()
                + ":"
                + server.port()
                + " (another process is building it). Hint: raise the template lock timeout,"
                + " or end the session holding advisory lock "
                + key
                + " (see pg_locks).",
            e);
      }
      throw e;
    }
  }

  /** Whether {@code name} is a complete template on the server {@code admin} is connected to. */
  public static boolean isTemplate(Connection admin, String name) throws SQLException {
    try (PreparedStatement ps =
        admin.prepareStatement("SELECT datistemplate FROM pg_database WHERE datname = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /** Drops templates of the same source beyond the newest {@link #KEEP}. */
  private static void dropOlder(Connection admin, String sourcePrefix, String current)
      throws SQLException {
    List<String> older = new ArrayList<>();
    try (PreparedStatement ps =
        admin.prepareStatement(
            "SELECT datname FROM pg_database WHERE datistemplate AND starts_with(datname, ?)"
                + " AND datname <> ? ORDER BY oid DESC")) {
      ps.setString(1, sourcePrefix);
      ps.setString(2, current);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          older.add(rs.getString(1));
        }
      }
    }
    for (String name : older.subList(Math.min(older.size(), KEEP - 1), older.size())) {
      String inUse = IN_USE_LOCK_CLASS + ", " + inUseKey(name);
      try (Statement st = admin.createStatement();
          ResultSet free = st.executeQuery("SELECT pg_try_advisory_lock(" + inUse + ")")) {
        if (!(free.next() && free.getBoolean(1))) {
          log.debug("Keeping old template {}: a clone pool uses it", name);
          continue;
        }
        try {
          st.execute("ALTER DATABASE " + Sql.identifier(name) + " WITH IS_TEMPLATE false");
          drop(admin, name);
          log.info("Dropped old template {}", name);
        } finally {
          st.execute("SELECT pg_advisory_unlock(" + inUse + ")");
        }
      } catch (SQLException e) {
        // Still cloned from somewhere: a later build drops it.
        log.debug("Could not drop old template {}: {}", name, e.getMessage());
      }
    }
  }

  /**
   * Drops the half-built databases of the source's other versions whose builders are gone (killed
   * mid-build: nobody holds their build lock). A rebuild of the same version drops its own.
   */
  private static void dropAbandonedBuilds(Connection admin, String sourcePrefix)
      throws SQLException {
    List<String> builds = new ArrayList<>();
    try (PreparedStatement ps =
        admin.prepareStatement(
            "SELECT datname FROM pg_database WHERE starts_with(datname, ?) AND datname LIKE ?")) {
      ps.setString(1, sourcePrefix);
      ps.setString(2, "%" + BUILDING.replace("_", "\\_"));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          builds.add(rs.getString(1));
        }
      }
    }
    for (String building : builds) {
      long key = lockKey(building.substring(0, building.length() - BUILDING.length()));
      try (Statement st = admin.createStatement();
          ResultSet rs = st.executeQuery("SELECT pg_try_advisory_lock(" + key + ")")) {
        if (rs.next() && rs.getBoolean(1)) {
          try {
            drop(admin, building);
            log.info("Dropped {}, left by a builder that is gone", building);
          } finally {
            st.execute("SELECT pg_advisory_unlock(" + key + ")");
          }
        }
      }
    }
  }

  /** Drops a database, ending its sessions first. */
  public static void drop(Connection admin, String name) throws SQLException {
    try (Statement st = admin.createStatement()) {
      if (admin.getMetaData().getDatabaseMajorVersion() >= 13) {
        st.execute("DROP DATABASE IF EXISTS " + Sql.identifier(name) + " WITH (FORCE)");
      } else {
        try (PreparedStatement ps =
            admin.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?")) {
          ps.setString(1, name);
          ps.execute();
        }
        st.execute("DROP DATABASE IF EXISTS " + Sql.identifier(name));
      }
    }
  }

  /**
   * The key, with {@link #IN_USE_LOCK_CLASS}, of the shared advisory lock a clone pool holds on its
   * template, so that builds of newer versions (another branch's run, on a shared server) do not
   * drop it while the pool still clones from it.
   */
  static int inUseKey(String name) {
    return (int) (lockKey(name) >>> 32);
  }

  static long lockKey(String name) {
    byte[] digest = digest(name);
    long key = 0;
    for (int i = 0; i < 8; i++) {
      key = (key << 8) | (digest[i] & 0xff);
    }
    return key;
  }

  static String hash(String text, int bytes) {
    return HexFormat.of().formatHex(digest(text), 0, bytes);
  }

  private static byte[] digest(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
