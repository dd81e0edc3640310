package io.pgisolate.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@PgIsolated(scripts = "db/junit/schema.sql")
class PgIsolatedIT {

  @Test
  void eachTestGetsAFreshDatabaseWithTheSchema(Connection c) throws Exception {
    c.createStatement().execute("insert into note (body) values ('mine')");
    assertThat(count(c, "select count(*) from note")).isEqualTo(2);
  }

  @Test
  void anotherTestDoesNotSeeThatRow(Connection c) throws Exception {
    c.createStatement().execute("insert into note (body) values ('other')");
    assertThat(count(c, "select count(*) from note")).isEqualTo(2);
  }

  @Test
  void everyParameterPointsAtTheSameDatabase(
      DataSource ds, Connection c, PgDatabase db, @JdbcUrl String url) throws Exception {
    String name = string(c, "select current_database()");
    assertThat(db.name()).isEqualTo(name);
    assertThat(url).isEqualTo(db.jdbcUrl()).contains("/" + name + "?");
    try (Connection viaDs = ds.getConnection()) {
      assertThat(string(viaDs, "select current_database()")).isEqualTo(name);
    }
    assertThat(db.user()).isNotBlank();
    assertThat(db.port()).isPositive();
  }

  @Test
  @PgIsolated(flyway = true)
  void aMethodCanAskForAnotherSchema(Connection c) throws Exception {
    assertThat(count(c, "select count(*) from account")).isEqualTo(2);
    assertThat(count(c, "select count(*) from pg_tables where tablename = 'note'")).isZero();
  }

  @Test
  @PgIsolated(liquibase = "db/liquibase/changelog.sql")
  void aLiquibaseChangelogBuildsTheSchema(Connection c) throws Exception {
    assertThat(count(c, "select count(*) from person")).isEqualTo(3);
  }

  @Test
  @PgIsolated(scripts = {" db/junit/schema.sql ", "file:src/test/resources/db/spaced/second.sql\t"})
  void spacesAroundANameAreIgnored(Connection c) throws Exception {
    assertThat(string(c, "select string_agg(body, ',' order by id) from note"))
        .isEqualTo("seed,second");
  }

  @Nested
  @PgIsolated(scripts = "db/junit/schema.sql", scope = PgIsolated.Scope.CLASS)
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  class SharedPerClass {
    @Test
    @Order(1)
    void first(Connection c) throws Exception {
      c.createStatement().execute("insert into note (body) values ('shared')");
      assertThat(count(c, "select count(*) from note")).isEqualTo(2);
    }

    @Test
    @Order(2)
    void secondSeesTheFirstsRow(Connection c) throws Exception {
      assertThat(count(c, "select count(*) from note")).isEqualTo(2);
    }
  }

  static int count(Connection c, String sql) throws Exception {
    return Integer.parseInt(string(c, sql));
  }

  static String string(Connection c, String sql) throws Exception {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
