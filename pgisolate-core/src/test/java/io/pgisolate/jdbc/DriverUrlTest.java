package io.pgisolate.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.template.SchemaSettings;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DriverUrlTest {

  @Test
  void theDatabaseNameIsWrittenAsInPgjdbc() throws SQLException {
    for (String url :
        List.of("jdbc:pgisolate:shop", "jdbc:pgisolate:/shop", "jdbc:pgisolate:///shop?")) {
      assertThat(DriverUrl.parse(url).database()).as(url).contains("shop");
    }
    for (String url : List.of("jdbc:pgisolate:", "jdbc:pgisolate:///", "jdbc:pgisolate:?a=")) {
      assertThat(DriverUrl.parse(url.replace("a=", "flyway")).database()).as(url).isEmpty();
    }
    assertThat(DriverUrl.parse("jdbc:pgisolate:///caf%C3%A9%20bar").database())
        .contains("café bar");
  }

  @Test
  void schemaParametersAreListsAndTheRestGoesToPgjdbc() throws SQLException {
    DriverUrl url =
        DriverUrl.parse(
            "jdbc:pgisolate:///shop?scripts=db/a.sql,%20db/b.sql&scripts=db/c&migrations=classpath:m"
                + "&version=17&ApplicationName=my%20app&ssl&user=app");
    assertThat(url.schema())
        .isEqualTo(
            new SchemaSettings(
                List.of("db/a.sql", "db/b.sql", "db/c"), List.of("classpath:m"), true, ""));
    assertThat(url.version()).contains("17");
    assertThat(url.pgjdbc())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("ApplicationName", "my app", "ssl", "", "user", "app"));
    assertThat(url.schemaParameters())
        .isEqualTo("scripts=db/a.sql, db/b.sql&scripts=db/c&migrations=classpath:m");
  }

  @Test
  void flywayAloneTakesTheDefaultLocation() throws SQLException {
    DriverUrl url = DriverUrl.parse("jdbc:pgisolate:///shop?flyway=TRUE&version=");
    assertThat(url.schema().flyway()).isTrue();
    assertThat(url.schema().source().identity()).isEqualTo("flyway:classpath:db/migration");
    assertThat(url.version()).isEqualTo(Optional.empty());
  }

  @Test
  void onlyItsOwnUrlsAreAccepted() {
    assertThat(DriverUrl.accepts("jdbc:pgisolate:///x")).isTrue();
    assertThat(DriverUrl.accepts("jdbc:postgresql://localhost/x")).isFalse();
    assertThat(DriverUrl.accepts(null)).isFalse();
  }

  @Test
  void distanceCountsEdits() {
    assertThat(io.pgisolate.ClosestName.distance("scripts", "script")).isEqualTo(1);
    assertThat(io.pgisolate.ClosestName.distance("liquibase", "liqiubase")).isEqualTo(2);
    assertThat(io.pgisolate.ClosestName.distance("flyway", "flyway")).isZero();
  }
}
