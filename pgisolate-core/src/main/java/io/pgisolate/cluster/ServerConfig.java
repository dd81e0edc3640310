package io.pgisolate.cluster;

import io.pgisolate.sql.Sql;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a new cluster's postgresql.conf and pg_hba.conf additions. Settings go into the files
 * rather than onto the command line so that a kept data directory restarts as it ran.
 */
final class ServerConfig {
  private ServerConfig() {}

  /**
   * The settings a test cluster runs with: no durability (PostgreSQL docs, "Non-Durable Settings"),
   * English messages (the log is read for errors), then the user's own settings.
   */
  static Map<String, String> settings(ClusterSettings s, Path socketDir) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("listen_addresses", s.socketOnly() ? "" : s.listenAddress());
    all.put("unix_socket_directories", socketDir.toString());
    all.put("fsync", "off");
    all.put("synchronous_commit", "off");
    all.put("full_page_writes", "off");
    all.put("lc_messages", "C");
    all.put("logging_collector", "off");
    all.put("log_destination", "stderr");
    all.putAll(s.settings());
    return all;
  }

  static void write(Path dataDir, Map<String, String> settings, List<String> hbaLines) {
    StringBuilder conf = new StringBuilder("\n# Added by pgisolate\n");
    settings.forEach(
        (name, value) -> conf.append(name).append(" = ").append(Sql.literal(value)).append('\n'));
    try {
      Files.writeString(
          dataDir.resolve("postgresql.conf"),
          conf,
          StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
      if (!hbaLines.isEmpty()) {
        Path hba = dataDir.resolve("pg_hba.conf");
        List<String> lines = new ArrayList<>();
        lines.add("# Added by pgisolate: the first matching line wins.");
        lines.addAll(hbaLines);
        lines.addAll(Files.readAllLines(hba, StandardCharsets.UTF_8));
        Files.write(hba, lines, StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the configuration in " + dataDir, e);
    }
  }
}
