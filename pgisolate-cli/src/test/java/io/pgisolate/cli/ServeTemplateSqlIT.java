package io.pgisolate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.cluster.TempCluster;
import io.pgisolate.lease.DatabaseLease;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** serve --reset --template-sql as a user runs it, editing the SQL file while it serves. */
class ServeTemplateSqlIT {
  @RegisterExtension final Cli cli = new Cli();
  @TempDir Path dir;

  @Test
  void anEditThatDoesNotBuildIsOneErrorLineAndLeasesKeepTheLastSchemaThatBuilt() throws Exception {
    try (TempCluster pg = TempCluster.builder().start()) {
      Path schema = Files.writeString(dir.resolve("schema.sql"), "create table v1 (x int);\n");
      Path socket = dir.toRealPath().resolve("pgm.sock");
      Process serve =
          cli.start(
              dir,
              Map.of("PGM_DATABASE_PREFIX", "edit_", "PGM_DATABASE_COUNT", "2"),
              "serve",
              "-s",
              socket.toString(),
              "--create",
              "--reset",
              "--server",
              pg.uri(),
              "--template-sql",
              "schema.sql");
      BufferedReader err =
          new BufferedReader(new InputStreamReader(serve.getErrorStream(), StandardCharsets.UTF_8));
      assertThat(CompletableFuture.supplyAsync(() -> serving(err)).get(60, TimeUnit.SECONDS))
          .isEqualTo("pgisolate: serving 2 databases edit_0…edit_1 on " + socket);

      Files.writeString(schema, "create table v1 (x int);\ncreate tabel v2 (x int);\n");
      for (int i = 0; i < 4; i++) {
        assertThat(tables(pg, socket)).as("lease %d after the broken save", i).isEqualTo("v1");
      }
      Files.writeString(schema, "create table v1 (x int);\ncreate table v3 (x int);\n");
      assertThat(tables(pg, socket)).as("the lease after the fix").isEqualTo("v1,v3");

      serve.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of stderr
      assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
      List<String> errors =
          err.lines().filter(l -> l.startsWith("[ERROR]") || l.startsWith("[WARN]")).toList();
      assertThat(errors)
          .as("one line for the broken save, whatever the leases after it")
          .singleElement()
          .asString()
          .matches(
              "\\[ERROR\\] sql:"
                  + java.util.regex.Pattern.quote(schema.toRealPath().toString())
                  + " changed, but template pgi_t_\\w+ could not be built: init script .*schema.sql"
                  + " failed at line 2, column 8: syntax error at or near \"tabel\"\\. Leases still"
                  + " get copies of pgi_t_\\w+, the last template that built\\. Hint: fix it; the"
                  + " leases asked for after that get the fixed schema\\.");
      assertThat(
              Queries.scalar(
                  pg.jdbcUrl(),
                  "select count(*) from pg_database where starts_with(datname, 'edit_')"))
          .as("--create drops them at exit")
          .isEqualTo("0");
    }
  }

  /** The tables of a database leased from {@code socket}, comma-separated; released at once. */
  private static String tables(TempCluster pg, Path socket) throws Exception {
    try (DatabaseLease lease =
        DatabaseLease.builder().socket(socket).timeout(Duration.ofSeconds(60)).acquire()) {
      return Queries.scalar(
          pg.jdbcUrl(lease.name()),
          "select string_agg(tablename, ',' order by tablename) from pg_tables"
              + " where schemaname = 'public'");
    }
  }

  /** The "serving" line, after the template's "Built" line; null when stderr ends first. */
  private static String serving(BufferedReader reader) {
    try {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (!line.startsWith("[INFO] Built template ")) {
          return line;
        }
      }
      return null;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
