package io.pgisolate.template;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** Lists the resources directly in a classpath directory, from folders and from jars. */
final class ClasspathScanner {
  private ClasspathScanner() {}

  /** Resource names (relative to the classpath root) ending in {@code suffix}, sorted by name. */
  static List<String> list(ClassLoader loader, String directory, String suffix) {
    String dir = directory.endsWith("/") ? directory : directory + "/";
    TreeSet<String> names = new TreeSet<>((a, b) -> fileName(a).compareTo(fileName(b)));
    try {
      Enumeration<URL> urls = loader.getResources(dir.substring(0, dir.length() - 1));
      while (urls.hasMoreElements()) {
        URL url = urls.nextElement();
        if ("file".equals(url.getProtocol())) {
          try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
            files
                .filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(suffix))
                .forEach(f -> names.add(dir + f.getFileName()));
          }
        } else if ("jar".equals(url.getProtocol())
            && url.openConnection() instanceof JarURLConnection jar) {
          jar.setUseCaches(false);
          try (JarFile file = jar.getJarFile()) {
            file.stream()
                .map(e -> e.getName())
                .filter(n -> n.startsWith(dir) && n.endsWith(suffix))
                .filter(n -> n.indexOf('/', dir.length()) < 0)
                .forEach(names::add);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not list classpath directory " + directory, e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    return new ArrayList<>(names);
  }

  private static String fileName(String resource) {
    return resource.substring(resource.lastIndexOf('/') + 1) + "\0" + resource;
  }
}
