package io.pgisolate.cli;

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

  /**
   * Whether pgisolate's own options ask for --verbose: a -v among CMD's arguments (psql -v
   * ON_ERROR_STOP=1) is CMD's. Parsing runs no command, so nothing has logged yet.
   */
  private static boolean verbose(String[] args) {
    try {
      return ErrorReporter.verbose(commandLine().parseArgs(args));
    } catch (CommandLine.ParameterException e) {
      return false; // reported when the command line is executed
    }
  }

  /** slf4j-simple reads its level once, at the first logger: set it before anything logs. */
  private static void configureLogging(String[] args) {
    boolean verbose = verbose(args);
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "info");
    }
    if (!verbose) {
      JDBC_LOG.setLevel(java.util.logging.Level.OFF);
    }
  }
}
