package io.pgisolate.cluster;

import io.pgisolate.binaries.PgBinaries;
import io.pgisolate.os.Commands;
import io.pgisolate.os.RunAs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs initdb: the parameters that shape a new data directory, and nothing else. */
record InitDb(
    PgBinaries binaries, RunAs runAs, String user, String locale, String encoding, boolean scram) {

  /** A stable text of every input that changes initdb's output, for cache keys. */
  String identity() {
    return String.join(
        "\n",
        "format=1",
        binaries.bin().toString(),
        binaries.version(),
        "uid=" + runAs.user().uid(),
        "user=" + user,
        "locale=" + locale,
        "encoding=" + encoding,
        "scram=" + scram);
  }

  /** Creates a data directory at {@code dataDir}, whose parent exists and the server user owns. */
  void run(Path dataDir, Duration timeout) {
    run(dataDir, timeout, dataDir.getParent() + " is writable by " + runAs.user().name());
  }

  /**
   * As {@link #run(Path, Duration)}; {@code writable} ends the failure's hint ("and that …"), for a
   * caller whose {@code dataDir} is a temporary directory gone by the time the user reads it.
   */
  void run(Path dataDir, Duration timeout, String writable) {
    List<String> command = new ArrayList<>();
    command.add(binaries.initdb().toString());
    command.addAll(List.of("-D", dataDir.toString(), "-U", user));
    command.addAll(List.of("-E", encoding, "--locale=" + locale));
    command.add("--auth-local=trust");
    command.add("--auth-host=" + (scram ? "scram-sha-256" : "trust"));
    int major = Integer.parseInt(binaries.majorVersion().split("\\.")[0]);
    // Tests never need durability: skip the fsyncs (the option was renamed in 10).
    command.add(major >= 10 ? "--no-sync" : "--nosync");
    if (major >= 11) {
      // 1 MB WAL segments instead of 16 MB: a data directory a quarter smaller to copy.
      command.add("--wal-segsize=1");
    }
    Commands.Result result =
        Commands.run(runAs.wrap(command), timeout, Map.of("LC_ALL", "C", "TZ", "UTC"));
    if (result.exitCode() != 0 || !Files.isRegularFile(dataDir.resolve("PG_VERSION"))) {
      throw new ClusterStartException(
          "initdb failed with exit code "
              + result.exitCode()
              + ": "
              + lastLine(result.output())
              + ". Hint: check the locale ("
              + locale
              + ") and encoding ("
              + encoding
              + ") and that "
              + writable
              + ".",
          result.tail(20),
          dataDir,
          null);
    }
  }

  private static String lastLine(String output) {
    String line = io.pgisolate.os.Text.errorLine(output).replaceAll("\\.+$", "");
    return line.isEmpty() ? "no output" : line.replaceFirst("^initdb: (error: )?", "");
  }
}
