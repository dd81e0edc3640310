package example.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's code snippets (Java or properties) marked {@code <!-- snippet: path -->} are copies
 * of these examples: each snippet's lines must stand, in order, in the named file, so the README
 * cannot rot.
 */
class ReadmeSnippetsTest {
  private static final Pattern SNIPPET =
      Pattern.compile(
          "<!-- snippet: (\\S+) -->\\s*```(?:java|properties)\\n(.*?)```", Pattern.DOTALL);

  @Test
  void readmeSnippetsMatchTheExamples() throws Exception {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.exists(root.resolve("README.md")) || !Files.exists(root.resolve("examples"))) {
      root = root.getParent();
    }
    String readme = Files.readString(root.resolve("README.md"));
    Matcher m = SNIPPET.matcher(readme);
    int checked = 0;
    while (m.find()) {
      List<String> source = trimmed(Files.readAllLines(root.resolve(m.group(1))));
      List<String> snippet = trimmed(List.of(m.group(2).split("\n")));
      assertThat(indexOfSequence(source, snippet))
          .as("README snippet of %s is out of date:%n%s", m.group(1), String.join("\n", snippet))
          .isNotNegative();
      checked++;
    }
    assertThat(checked).as("snippets found in README.md").isGreaterThanOrEqualTo(6);
  }

  private static List<String> trimmed(List<String> lines) {
    List<String> result = new ArrayList<>();
    for (String line : lines) {
      if (!line.isBlank()) {
        result.add(line.strip());
      }
    }
    return result;
  }

  private static int indexOfSequence(List<String> haystack, List<String> needle) {
    for (int i = 0; i + needle.size() <= haystack.size(); i++) {
      if (haystack.subList(i, i + needle.size()).equals(needle)) {
        return i;
      }
    }
    return -1;
  }
}
