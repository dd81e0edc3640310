package io.pgisolate.cli;

import io.pgisolate.cluster.ClusterStartException;
import io.pgisolate.lease.CommandNotStartedException;
import io.pgisolate.os.Text;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns failures into one line on stderr ("pgisolate: what: why. Hint: what to do"), the server
 * log's tail below it when there is one, and the stack trace only with {@code --verbose}.
 */
final class ErrorReporter implements IExecutionExceptionHandler, IParameterExceptionHandler {
  static final int FAILED = 1;
  static final int USAGE = 2;

  @Override
  public int handleParseException(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    String message = e.getMessage().replaceAll("\\s+$", "");
    err.println(
        "pgisolate: "
            + message
            + (message.endsWith(".") ? "" : ".")
            + " Hint: see '"
            + cmd.getCommandSpec().qualifiedName()
            + " --help'.");
    return USAGE;
  }

  @Override
  public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
    PrintWriter err = cmd.getErr();
    err.println("pgisolate: " + oneLine(e, cmd));
    if (e instanceof ClusterStartException start && !start.logTail().isBlank()) {
      err.println("Server log (last lines):");
      start.logTail().lines().forEach(l -> err.println("  " + l));
    }
    if (verbose(parsed)) {
      e.printStackTrace(err);
    }
    err.flush();
    // A command run, wrap or wrap-each could not start: the exit code a shell would give.
    return e instanceof CommandNotStartedException notStarted ? notStarted.exitCode() : FAILED;
  }

  private static String oneLine(Exception e, CommandLine cmd) {
    String message = Text.failure(e);
    if (e instanceof IllegalArgumentException && !message.contains("Hint:")) {
      // A value the cluster builder refused ("invalid user '': must not be empty"): --help
      // explains the options.
      message =
          message.replaceAll("\\.+$", "")
              + ". Hint: see '"
              + cmd.getCommandSpec().qualifiedName()
              + " --help'.";
    }
    return message;
  }

  static boolean verbose(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }
}
