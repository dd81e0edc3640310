package io.pgisolate.template;

import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;

/** Sources applied one after another. */
record Composite(List<InitSource> sources) implements InitSource {
  Composite {
    sources = List.copyOf(sources);
  }

  @Override
  public String identity() {
    return sources.stream().map(InitSource::identity).collect(Collectors.joining("+", "[", "]"));
  }

  @Override
  public String fingerprint() {
    return sources.stream().map(InitSource::fingerprint).collect(Collectors.joining("\n--\n"));
  }

  @Override
  public void apply(InitTarget target) throws SQLException {
    for (InitSource source : sources) {
      source.apply(target);
    }
  }
}
