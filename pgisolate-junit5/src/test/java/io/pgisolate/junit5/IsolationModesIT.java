package io.pgisolate.junit5;

import static io.pgisolate.junit5.PgIsolatedIT.count;
import static io.pgisolate.junit5.PgIsolatedIT.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.isolation.IsolationMode;
import java.sql.Connection;
import java.sql.DriverManager;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The same parameters, injected in SCHEMA and TRANSACTION isolation. */
class IsolationModesIT {

  @Nested
  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.SCHEMA)
  class Schema {
    @Test
    void everyParameterReachesTheTestsOwnSchema(
        Connection c, DataSource ds, PgDatabase db, @JdbcUrl String url) throws Exception {
      String schema = db.schema().orElseThrow();
      assertThat(schema).startsWith("pgi_s_");
      assertThat(db.isolation()).isEqualTo(IsolationMode.SCHEMA);
      assertThat(string(c, "select current_schema()")).isEqualTo(schema);
      c.createStatement().execute("insert into note (body) values ('mine')");
      assertThat(count(c, "select count(*) from note")).isEqualTo(2);
      assertThat(url).contains("currentSchema=" + schema);
      assertThat(db.uri()).endsWith("?options=-csearch_path%3D" + schema);
      try (Connection viaUrl = DriverManager.getConnection(url);
          Connection viaDs = ds.getConnection()) {
        assertThat(count(viaUrl, "select count(*) from note")).isEqualTo(2);
        assertThat(string(viaDs, "select current_schema()")).isEqualTo(schema);
      }
    }

    @Test
    void anotherTestDoesNotSeeThatRow(Connection c) throws Exception {
      c.createStatement().execute("insert into note (body) values ('other')");
      assertThat(count(c, "select count(*) from note")).isEqualTo(2);
    }
  }

  @Nested
  @PgIsolated(scripts = "db/junit/schema.sql", isolation = IsolationMode.TRANSACTION)
  class Transaction {
    @BeforeEach
    void seed(Connection c) throws Exception {
      c.createStatement().execute("insert into note (body) values ('before each')");
    }

    @Test
    void theBeforeEachRowIsInTheSameTransaction(Connection c, DataSource ds, PgDatabase db)
        throws Exception {
      assertThat(count(c, "select count(*) from note")).isEqualTo(2);
      try (Connection other = ds.getConnection()) {
        assertThat(count(other, "select count(*) from note")).isEqualTo(2);
      }
      assertThat(db.schema()).get().asString().startsWith("pgi_x_");
      assertThat(db.isolation()).isEqualTo(IsolationMode.TRANSACTION);
    }

    @Test
    void codeThatCommitsWorksAndIsStillRolledBack(Connection c) throws Exception {
      c.setAutoCommit(false);
      c.createStatement().execute("insert into note (body) values ('committed')");
      c.commit();
      c.createStatement().execute("insert into note (body) values ('rolled back')");
      c.rollback();
      c.setAutoCommit(true);
      assertThat(count(c, "select count(*) from note")).isEqualTo(3);
    }
  }
}
