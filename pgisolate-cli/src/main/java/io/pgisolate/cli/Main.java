package io.pgisolate.cli;

import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/** Entry point of the {@code pgisolate} command. */
public final class Main {
  /**
   * pgjdbc logs through java.util.logging, straight to stderr: kept quiet but for -v, since
   * pgisolate reports what failed in its own one line. Held here: JUL keeps loggers only weakly.
   */
  private static final java.util.logging.Logger JDBC_LOG =
      java.util.logging.Logger.getLogger("org.postgresql");

  private Main() {}

  public static void main(String[] args) {
    configureLogging(args);
    System.exit(commandLine().execute(args));
  }

  /** The command line with pgisolate's error handling: one line per failure, with a hint. */
  public static CommandLine commandLine() {
    ErrorReporter errors = new ErrorReporter();
    CommandLine root =
        new CommandLine(new PgIsolateCommand())
            .setExecutionExceptionHandler(errors)
            .setParameterExceptionHandler(errors);
    ExitCodes.addTo(root);
    // As env and sudo do: everything from CMD's name on is CMD's ('run psql -c …' is psql's -c,
    // not --set), with or without '--' before it.
    for (String wrapper : List.of("run", "wrap", "wrap-each")) {
      root.getSubcommands().get(wrapper).setStopAtPositional(true);
    }
    return root;
  }

  /** slf4j-simple reads its level once, at the first logger: set it before anything logs. */
  private static void configureLogging(String[] args) {
    List<String> list = Arrays.asList(args);
    boolean verbose = list.contains("-v") || list.contains("--verbose");
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "info");
    }
    if (!verbose) {
      JDBC_LOG.setLevel(java.util.logging.Level.OFF);
    }
  }
}
