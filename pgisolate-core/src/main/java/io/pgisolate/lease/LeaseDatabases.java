package io.pgisolate.lease;

import io.pgisolate.PgIsolateException;
import io.pgisolate.template.InitSource;
import java.util.Optional;

/**
 * What a lease server does to its pool's databases ({@code --server}, {@code --template}, {@code
 * --template-sql}, {@code --create}, {@code --reset}).
 *
 * @param server the PostgreSQL that holds them: a postgres:// URI or jdbc:postgresql:// URL
 * @param template the database they are copies of; empty for empty databases (or a schema)
 * @param schema what builds the template they are copies of (SQL files, migrations), kept up to
 *     date with it by {@link PoolTemplate}; empty for a template database (or empty databases)
 * @param create create them at start, drop them at exit
 * @param reset make every database from the template at start, and again each time it is released
 *     before it is leased again
 */
public record LeaseDatabases(
    String server,
    Optional<String> template,
    Optional<InitSource> schema,
    boolean create,
    boolean reset) {
  public LeaseDatabases {
    if (template.isPresent() && schema.isPresent()) {
      throw new PgIsolateException(
          "--template and --template-sql both say what the databases are copies of. Hint: give"
              + " one: --template for a database you made, --template-sql for the SQL that builds"
              + " it.");
    }
  }

  /** Copies of the database {@code template}, or empty databases. */
  public LeaseDatabases(String server, Optional<String> template, boolean create, boolean reset) {
    this(server, template, Optional.empty(), create, reset);
  }
}
