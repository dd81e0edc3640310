package io.pgisolate.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a temporary cluster is started with, validated by {@link TempCluster.Builder}.
 *
 * @param bin an explicit binaries directory
 * @param version a PostgreSQL version to fetch
 * @param port a fixed TCP port; empty means a free one
 * @param socketOnly listen on the UNIX socket only, not on TCP
 * @param listenAddress the TCP address to listen on
 * @param user the superuser
 * @param password the superuser's password; empty means a random one
 * @param passwordAuthentication SCRAM-SHA-256 on TCP when true, trust when false
 * @param scramIterations the key-derivation rounds of the stored password verifier
 * @param database the database to hand out (created when it is not "postgres")
 * @param locale the cluster locale
 * @param encoding the cluster encoding
 * @param settings extra postgresql.conf settings, after the test-speed defaults
 * @param hbaLines extra pg_hba.conf lines, before the defaults (the first match wins)
 * @param extensions extensions to create in the database
 * @param initScripts SQL scripts to run in the database at start, in order
 * @param dump a pg_dump file (plain SQL or archive) to restore at start
 * @param dataDirectory an explicit data directory (must be missing or empty)
 * @param dataRoot where temporary clusters' directories are made
 * @param ramDisk put temporary clusters on /dev/shm when it is usable
 * @param persist keep the data directory when the cluster stops, and say where it is
 * @param startTimeout how long start-up may take, init scripts included
 * @param runAs the user that runs the servers when the JVM is root
 * @param cacheDirectory where extracted binaries and initdb results are kept
 * @param initdbCache copy a cached initdb result instead of running initdb each time
 */
public record ClusterSettings(
    Optional<Path> bin,
    Optional<String> version,
    Optional<Integer> port,
    boolean socketOnly,
    String listenAddress,
    String user,
    Optional<String> password,
    boolean passwordAuthentication,
    int scramIterations,
    String database,
    String locale,
    String encoding,
    Map<String, String> settings,
    List<String> hbaLines,
    List<String> extensions,
    List<Path> initScripts,
    Optional<Path> dump,
    Optional<Path> dataDirectory,
    Optional<Path> dataRoot,
    boolean ramDisk,
    boolean persist,
    Duration startTimeout,
    Optional<String> runAs,
    Optional<Path> cacheDirectory,
    boolean initdbCache) {}
