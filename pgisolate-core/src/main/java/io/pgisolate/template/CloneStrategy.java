package io.pgisolate.template;

/**
 * How {@code CREATE DATABASE … TEMPLATE} copies (PostgreSQL 15+, "CREATE DATABASE" STRATEGY).
 * FILE_COPY copies the files and checkpoints; WAL_LOG copies block by block through the WAL.
 */
public enum CloneStrategy {
  /** The server's default (WAL_LOG since 15). */
  SERVER_DEFAULT,
  FILE_COPY,
  WAL_LOG;

  /** The clause of {@code CREATE DATABASE} that selects it, on a server of that major version. */
  String clause(int serverMajor) {
    return serverMajor < 15 || this == SERVER_DEFAULT ? "" : " STRATEGY " + name();
  }
}
