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

/** Lists the resources in a classpath directory, from folders and from jars. */
final class ClasspathScanner {
  private ClasspathScanner() {}

  /** Resource names (relative to the classpath root) ending in {@code suffix}, sorted by name. */
  static List<String> list(ClassLoader loader, String directory, String suffix) {
    TreeSet<String> names = new TreeSet<>((a, b) -> fileName(a).compareTo(fileName(b)));
    scan(loader, directory, false, names);
    return names.stream().filter(n -> n.endsWith(suffix)).toList();
  }

  /** Every resource below a classpath directory, subdirectories included, sorted by name. */
  static List<String> listTree(ClassLoader loader, String directory) {
    TreeSet<String> names = new TreeSet<>();
    scan(loader, directory, true, names);
    return new ArrayList<>(names);
  }

  private static void scan(
      ClassLoader loader, String directory, boolean subdirectories, TreeSet<String> names) {
    String dir = directory.endsWith("/") ? directory : directory + "/";
    try {
      Enumeration<URL> urls = loader.getResources(dir.substring(0, dir.length() - 1));
      while (urls.hasMoreElements()) {
        URL url = urls.nextElement();
        if ("file".equals(url.getProtocol())) {
          Path root = Path.of(url.toURI());
          try (Stream<Path> files = subdirectories ? Files.walk(root) : Files.list(root)) {
            files
                .filter(Files::isRegularFile)
                .forEach(f -> names.add(dir + root.relativize(f).toString().replace('\\', '/')));
          }
        } else if ("jar".equals(url.getProtocol())
            && url.openConnection() instanceof JarURLConnection jar) {
          jar.setUseCaches(false);
          try (JarFile file = jar.getJarFile()) {
            file.stream()
                .filter(e -> !e.isDirectory() && e.getName().startsWith(dir))
                .map(e -> e.getName())
                .filter(n -> subdirectories || n.indexOf('/', dir.length()) < 0)
                .forEach(names::add);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not list classpath directory " + directory, e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String fileName(String resource) {
    return resource.substring(resource.lastIndexOf('/') + 1) + "\0" + resource;
  }
}
