package example.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.transaction.annotation.Transactional;

// src/test/resources/application.properties:
//   spring.datasource.url=jdbc:pgisolate:///shop?flyway=true&version=18
//   spring.datasource.driver-class-name=io.pgisolate.jdbc.PgIsolateDriver
@SpringBootTest
@Transactional // Spring rolls back each test's changes
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StockTest {
  @Autowired Stock stock;

  @Test
  @Order(1)
  void takingStockLowersIt() {
    assertThat(stock.take("apple", 4)).isTrue();
    assertThat(stock.quantity("apple")).isEqualTo(6);
  }

  @Test
  @Order(2)
  void theNextTestStartsFromTheMigratedDataAgain() {
    assertThat(stock.quantity("apple")).isEqualTo(10);
  }

  @Test
  @Order(3)
  void nobodyTakesMoreThanThereIs() {
    assertThat(stock.take("pear", 4)).isFalse();
    stock.restock("pear", 1);
    assertThat(stock.take("pear", 4)).isTrue();
    assertThat(stock.quantity("pear")).isZero();
  }

  @Test
  void flywayHasNothingLeftToDo(@Autowired Flyway flyway) {
    assertThat(flyway.info().applied()).hasSize(2);
    assertThat(flyway.info().pending()).isEmpty();
  }

  @Test
  void everyPooledConnectionReachesTheSameDatabase(@Autowired DataSource dataSource)
      throws SQLException {
    try (Connection a = dataSource.getConnection();
        Connection b = dataSource.getConnection()) {
      assertThat(database(a)).isEqualTo("shop").isEqualTo(database(b));
    }
  }

  private static String database(Connection c) throws SQLException {
    try (ResultSet rs = c.createStatement().executeQuery("select current_database()")) {
      rs.next();
      return rs.getString(1);
    }
  }
}
