package io.pgisolate.template;

import io.pgisolate.PgIsolateException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.SQLException;
import liquibase.Contexts;
import liquibase.LabelExpression;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.LiquibaseException;
import liquibase.resource.ClassLoaderResourceAccessor;
import liquibase.resource.CompositeResourceAccessor;
import liquibase.resource.DirectoryResourceAccessor;
import liquibase.resource.ResourceAccessor;

/**
 * A Liquibase changelog: a classpath resource ({@code db/changelog.xml}, or with a {@code
 * classpath:} prefix) or a file ({@code file:} prefix). Its fingerprint is the changelog and every
 * file beside it and below (included changelogs usually live there).
 */
record LiquibaseChangelog(String changelog) implements InitSource {

  @Override
  public String identity() {
    return "liquibase:" + changelog;
  }

  @Override
  public String fingerprint() {
    StringBuilder text = new StringBuilder(identity()).append('\n');
    if (changelog.startsWith("file:")) {
      SourceFiles.appendTree(text, file().getParent(), "Liquibase changelog " + changelog);
    } else {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      String resource = resource();
      if (resource.contains("/")) {
        // Included changelogs live beside it and below (db/changelog/changes/001.sql).
        SourceFiles.appendClasspathTree(
            text, loader, resource.substring(0, resource.lastIndexOf('/')));
      } else {
        // At the classpath root, the directory below is the whole classpath: only its neighbours.
        for (String suffix : new String[] {".xml", ".yaml", ".yml", ".json", ".sql"}) {
          for (String name : ClasspathScanner.list(loader, "", suffix)) {
            SourceFiles.appendResource(text, loader, name);
          }
        }
      }
    }
    return text.toString();
  }

  private Path file() {
    return Path.of(changelog.substring("file:".length())).toAbsolutePath();
  }

  private String resource() {
    return changelog.replaceFirst("^classpath:", "").replaceFirst("^/", "");
  }

  @Override
  public void apply(InitTarget target) throws SQLException {
    ResourceAccessor accessor;
    String path;
    if (changelog.startsWith("file:")) {
      Path file = file();
      try {
        accessor =
            new CompositeResourceAccessor(
                new DirectoryResourceAccessor(file.getParent()), new ClassLoaderResourceAccessor());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      path = file.getFileName().toString();
    } else {
      accessor = new ClassLoaderResourceAccessor(Thread.currentThread().getContextClassLoader());
      path = resource();
    }
    try {
      Database database =
          DatabaseFactory.getInstance()
              .findCorrectDatabaseImplementation(new JdbcConnection(target.connection()));
      if (target.schema().isPresent()) {
        database.setDefaultSchemaName(target.schema().get());
        database.setLiquibaseSchemaName(target.schema().get());
      }
      // Not closed: that would close the target's connection, which is not ours.
      @SuppressWarnings("deprecation")
      Liquibase liquibase = new Liquibase(path, accessor, database);
      liquibase.update(new Contexts(), new LabelExpression());
    } catch (LiquibaseException e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      throw new PgIsolateException(
          "Liquibase changelog "
              + changelog
              + " failed: "
              + root.getMessage().replaceAll("\\R\\s*", " ")
              + ".",
          e);
    }
  }
}
