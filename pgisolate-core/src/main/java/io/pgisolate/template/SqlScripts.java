package io.pgisolate.template;

import io.pgisolate.PgIsolateException;
import io.pgisolate.os.Text;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** SQL files, and directories whose *.sql files run in name order. */
record SqlScripts(List<Path> paths) implements InitSource {
  SqlScripts {
    paths = paths.stream().map(p -> p.toAbsolutePath().normalize()).toList();
  }

  @Override
  public String identity() {
    return "sql:" + paths.stream().map(Path::toString).collect(Collectors.joining(","));
  }

  @Override
  public String fingerprint() {
    return Script.fingerprint(identity(), scripts());
  }

  @Override
  public void apply(InitTarget target) {
    scripts().forEach(s -> s.run(target));
  }

  private List<Script> scripts() {
    List<Script> scripts = new ArrayList<>();
    for (Path path : paths) {
      if (Files.isDirectory(path)) {
        try (Stream<Path> files = Files.list(path)) {
          List<Path> sql =
              files.filter(f -> f.getFileName().toString().endsWith(".sql")).sorted().toList();
          if (sql.isEmpty()) {
            // An empty schema would only show as "relation does not exist" in every test.
            throw new PgIsolateException(
                "directory "
                    + path
                    + " holds no .sql files. Hint: name the directory that holds the scripts, or"
                    + " the files themselves.");
          }
          sql.forEach(file -> scripts.add(read(file)));
        } catch (IOException e) {
          throw unreadable(path, e);
        }
      } else {
        scripts.add(read(path));
      }
    }
    return scripts;
  }

  private static Script read(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      return new Script(file.toString(), Text.utf8(bytes, "init script " + file));
    } catch (IOException e) {
      throw unreadable(file, e);
    }
  }

  private static PgIsolateException unreadable(Path path, IOException e) {
    return new PgIsolateException(
        "init script "
            + path
            + " cannot be read: "
            + e.getMessage()
            + ". Hint: check the path (relative paths start from "
            + Path.of("").toAbsolutePath()
            + ").",
        e);
  }
}
