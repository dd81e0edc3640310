package io.pgisolate.binaries;

import io.pgisolate.PgIsolateException;
import java.util.List;

/** No usable PostgreSQL binaries were found; the message lists every place that was tried. */
public class BinariesNotFoundException extends PgIsolateException {
  private static final long serialVersionUID = 1L;

  private final List<String> tried;

  public BinariesNotFoundException(String what, List<String> tried, String hint) {
    super(what + " (tried: " + String.join("; ", tried) + "). Hint: " + hint);
    this.tried = List.copyOf(tried);
  }

  public List<String> tried() {
    return tried;
  }
}
