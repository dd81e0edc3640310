package io.pgisolate.lease;

import io.pgisolate.PgIsolateException;
import java.io.IOException;

/**
 * The command that run, wrap or wrap-each runs could not be started; a shell would exit with 127
 * (not found) or 126 (found, but not executable).
 */
public final class CommandNotStartedException extends PgIsolateException {
  private static final long serialVersionUID = 1L;

  /** What a shell returns for a command it could not find. */
  public static final int EXIT_CODE = 127;

  /** What a shell returns for a command it found but could not execute. */
  public static final int NOT_EXECUTABLE_EXIT_CODE = 126;

  private final int exitCode;

  private CommandNotStartedException(String message, int exitCode, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** From the JDK's "Cannot run program "x": error=N, reason", which names the errno. */
  static CommandNotStartedException of(String program, IOException e) {
    String message = String.valueOf(e.getMessage());
    // EACCES: a file without x permission, or a directory.
    boolean notExecutable = message.contains("error=13,");
    return new CommandNotStartedException(
        "could not run '"
            + program
            + "': "
            + message
            + (notExecutable
                ? ". Hint: check that it is an executable file (chmod +x), not a directory."
                : ". Hint: check the command after -- (is it installed and on the PATH?)."),
        notExecutable ? NOT_EXECUTABLE_EXIT_CODE : EXIT_CODE,
        e);
  }

  public int exitCode() {
    return exitCode;
  }
}
