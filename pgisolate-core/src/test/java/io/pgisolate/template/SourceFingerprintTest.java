package io.pgisolate.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a file-system source's fingerprint covers, and so when its template is rebuilt. */
class SourceFingerprintTest {

  /**
   * A changelog at a project's root: every build rewrites target/ (and git rewrites .git/), which
   * must not make the template look changed, nor be read into memory to hash it.
   */
  @Test
  void aLiquibaseChangelogAtAProjectRootIgnoresBuildOutputAndHiddenDirectories(@TempDir Path root)
      throws Exception {
    Files.writeString(root.resolve("changelog.xml"), "<databaseChangeLog/>");
    Files.createDirectories(root.resolve("changes"));
    Files.writeString(root.resolve("changes/001.sql"), "create table a (id int);");
    InitSource source = InitSource.liquibase("file:" + root.resolve("changelog.xml"));
    String before = source.fingerprint();

    for (String dir : new String[] {"target/classes", "build/libs", ".git/objects", ".idea"}) {
      Files.createDirectories(root.resolve(dir));
      Files.writeString(root.resolve(dir).resolve("x.xml"), "output of a build");
    }
    assertThat(source.fingerprint()).isEqualTo(before);

    Files.writeString(root.resolve("changes/001.sql"), "create table a (id bigint);");
    assertThat(source.fingerprint()).isNotEqualTo(before);
  }

  @Test
  void aFlywayLocationIgnoresTheSameDirectories(@TempDir Path root) throws Exception {
    Files.writeString(root.resolve("V1__a.sql"), "create table a (id int);");
    InitSource source = InitSource.flyway("filesystem:" + root);
    String before = source.fingerprint();

    Files.createDirectories(root.resolve("target"));
    Files.writeString(root.resolve("target/V1__a.sql"), "copied by a build");
    assertThat(source.fingerprint()).isEqualTo(before);

    Files.createDirectories(root.resolve("more"));
    Files.writeString(root.resolve("more/V2__b.sql"), "create table b (id int);");
    assertThat(source.fingerprint()).isNotEqualTo(before);
  }
}
