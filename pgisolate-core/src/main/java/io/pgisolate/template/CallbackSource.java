package io.pgisolate.template;

import java.sql.SQLException;

/** A Java callback with a declared version standing for its content. */
record CallbackSource(String name, String version, InitSource.Callback callback)
    implements InitSource {

  @Override
  public String identity() {
    return "callback:" + name;
  }

  @Override
  public String fingerprint() {
    return "callback:" + name + "@" + version;
  }

  @Override
  public void apply(InitTarget target) throws SQLException {
    callback.apply(target);
  }
}
