package io.pgisolate.template;

import io.pgisolate.PgIsolateException;
import io.pgisolate.os.Text;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Classpath SQL resources, and resource directories whose *.sql files run in name order. */
record ClasspathScripts(List<String> resources) implements InitSource {
  ClasspathScripts {
    resources = resources.stream().map(r -> r.replaceFirst("^(classpath:)?/?", "")).toList();
  }

  @Override
  public String identity() {
    return "classpath:" + String.join(",", resources);
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
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    List<Script> scripts = new ArrayList<>();
    for (String resource : resources) {
      List<String> names =
          resource.endsWith(".sql")
              ? List.of(resource)
              : ClasspathScanner.list(loader, resource, ".sql");
      if (names.isEmpty()) {
        throw notFound(resource, "was not found or holds no .sql files");
      }
      for (String name : names) {
        scripts.add(read(loader, name));
      }
    }
    return scripts;
  }

  private static Script read(ClassLoader loader, String name) {
    try (InputStream in = loader.getResourceAsStream(name)) {
      if (in == null) {
        throw notFound(name, "was not found");
      }
      String script = "classpath:" + name;
      return new Script(script, Text.utf8(in.readAllBytes(), "init script " + script));
    } catch (IOException e) {
      throw new PgIsolateException("classpath resource " + name + " cannot be read: " + e, e);
    }
  }

  /**
   * A resource that is not on the classpath; when a file has that path (absolute, its leading slash
   * was taken for the classpath root's, or relative to the working directory), the hint says how to
   * name a file.
   */
  private static PgIsolateException notFound(String resource, String what) {
    String hint = "check the name (it is relative to the classpath root, e.g. db/schema.sql)";
    for (Path file : List.of(Path.of("/" + resource), Path.of(resource))) {
      if (Files.exists(file)) {
        hint = "for the file " + file + ", write file:" + file;
        break;
      }
    }
    return new PgIsolateException(
        "classpath resource '" + resource + "' " + what + ". Hint: " + hint + ".");
  }
}
