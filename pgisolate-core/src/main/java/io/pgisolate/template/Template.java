package io.pgisolate.template;

import io.pgisolate.sql.PgServer;

/**
 * A template database on a server: the schema built once, cloned for every test.
 *
 * @param server where it lives
 * @param name its database name
 * @param source what it was built from
 */
public record Template(PgServer server, String name, InitSource source) {}
