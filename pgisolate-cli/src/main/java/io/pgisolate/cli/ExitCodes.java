package io.pgisolate.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;

/** The exit codes every command's --help lists: pgisolate's own, and those of CMD it runs. */
final class ExitCodes {
  /** The commands whose exit code is that of the command they run. */
  private static final Set<String> RUNNING_CMD = Set.of("run", "wrap", "wrap-each");

  private ExitCodes() {}

  static void addTo(CommandLine root) {
    list(root, false);
    root.getSubcommands().forEach((name, sub) -> list(sub, RUNNING_CMD.contains(name)));
  }

  private static void list(CommandLine command, boolean runsCmd) {
    Map<String, String> codes = new LinkedHashMap<>();
    codes.put("0", runsCmd ? "CMD succeeded" : "success");
    if (runsCmd) {
      codes.put("n", "CMD's exit code, 128 + n when signal n killed it");
    }
    codes.put("1", "pgisolate failed: the message on stderr says why, with a hint");
    codes.put("2", "invalid command line (unknown option, bad value)");
    if (runsCmd) {
      codes.put("126", "CMD could not be executed (not executable, or a directory)");
      codes.put("127", "CMD was not found");
    }
    codes.put("130", "stopped by Ctrl-C (SIGINT), 143 by SIGTERM");
    command
        .getCommandSpec()
        .usageMessage()
        .exitCodeListHeading("%nExit codes:%n")
        .exitCodeList(codes);
  }
}
