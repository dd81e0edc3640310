package io.pgisolate.template;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.PgIsolateException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClasspathScriptsTest {

  /** An absolute path given as a script is taken for a classpath resource: say how to name it. */
  @Test
  void aFileGivenAsAResourceIsNamedInTheHint(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("schema.sql"), "create table a (id int);");
    assertThatThrownBy(() -> InitSource.classpath(file.toString()).fingerprint())
        .isInstanceOf(PgIsolateException.class)
        .hasMessage(
            "classpath resource '"
                + file.toString().substring(1)
                + "' was not found. Hint: for the file "
                + file
                + ", write file:"
                + file
                + ".");
  }

  @Test
  void aMissingResourceSaysWhereNamesStart() {
    assertThatThrownBy(() -> InitSource.classpath("db/nowhere.sql").fingerprint())
        .isInstanceOf(PgIsolateException.class)
        .hasMessage(
            "classpath resource 'db/nowhere.sql' was not found. Hint: check the name (it is"
                + " relative to the classpath root, e.g. db/schema.sql).");
  }
}
