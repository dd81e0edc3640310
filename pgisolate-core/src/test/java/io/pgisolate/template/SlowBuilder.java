package io.pgisolate.template;

import io.pgisolate.sql.PgServer;
import java.sql.Statement;
import java.time.Duration;

/**
 * A child JVM for the crash tests: builds the template of callback source {@code args[1]} version
 * {@code args[2]} on the server at URI {@code args[0]}, says "building" when the build has begun,
 * then sleeps in it until it is killed.
 */
public final class SlowBuilder {
  private SlowBuilder() {}

  public static void main(String[] args) {
    InitSource source =
        InitSource.callback(
            args[1],
            args[2],
            target -> {
              try (Statement st = target.connection().createStatement()) {
                st.execute("create table half_built (id int)");
                System.out.println("building");
                System.out.flush();
                st.execute("select pg_sleep(600)");
              }
            });
    Templates.ensure(PgServer.fromUrl(args[0]), source, Duration.ofMinutes(1));
  }
}
