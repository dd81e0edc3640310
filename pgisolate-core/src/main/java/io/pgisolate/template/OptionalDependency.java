package io.pgisolate.template;

import io.pgisolate.PgIsolateException;

/**
 * A library that only some schema sources need (Flyway, Liquibase: optional dependencies). Checked
 * when the source is named, before its class is loaded: the class refers to the library's, and
 * would fail with a bare NoClassDefFoundError naming one of them.
 */
final class OptionalDependency {
  private OptionalDependency() {}

  /**
   * @param className a class of the library
   * @param needs what needs it, e.g. "a Liquibase changelog (…) needs liquibase-core"
   * @param hint what to add
   */
  static void require(String className, String needs, String hint) {
    try {
      Class.forName(className, false, OptionalDependency.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new PgIsolateException(
          needs + " on the classpath (" + className + " is missing). Hint: " + hint, e);
    }
  }
}
