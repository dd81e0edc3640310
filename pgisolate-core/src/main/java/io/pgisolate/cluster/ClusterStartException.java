package io.pgisolate.cluster;

import io.pgisolate.PgIsolateException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A temporary cluster could not start. The message is one line (what, why, hint); the tail of the
 * server's log and the data directory are kept apart so that front ends can show them below it.
 * Whatever the failed start had created is gone by the time this is thrown.
 */
public class ClusterStartException extends PgIsolateException {
  private static final long serialVersionUID = 1L;

  private final String logTail;
  private final transient Path dataDirectory;

  public ClusterStartException(
      String message, String logTail, Path dataDirectory, Throwable cause) {
    super(message, cause);
    this.logTail = logTail == null ? "" : logTail;
    this.dataDirectory = dataDirectory;
  }

  /** The last lines the server (or initdb) wrote, empty when it wrote nothing. */
  public String logTail() {
    return logTail;
  }

  /** Where the data directory was (it has been deleted unless the cluster was to persist). */
  public Optional<Path> dataDirectory() {
    return Optional.ofNullable(dataDirectory);
  }
}
