package io.pgisolate.lease;

import java.util.Optional;

/**
 * What a lease server does to its pool's databases ({@code --server}, {@code --template}, {@code
 * --create}, {@code --reset}).
 *
 * @param server the PostgreSQL that holds them: a postgres:// URI or jdbc:postgresql:// URL
 * @param template the database they are copies of; empty for empty databases
 * @param create create them at start, drop them at exit
 * @param reset make every database from the template at start, and again each time it is released
 *     before it is leased again
 */
public record LeaseDatabases(
    String server, Optional<String> template, boolean create, boolean reset) {}
