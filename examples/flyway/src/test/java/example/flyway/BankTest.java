package example.flyway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.junit5.PgIsolated;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

// The Flyway migrations in db/migration run once, into a template; each test gets a clone.
@PgIsolated(flyway = true)
class BankTest {

  @Test
  void transferMovesMoney(Connection connection) throws SQLException {
    Bank bank = new Bank(connection);
    bank.transfer(1, 2, new BigDecimal("30.00"));
    assertThat(bank.balance(1)).isEqualByComparingTo("70.00");
    assertThat(bank.balance(2)).isEqualByComparingTo("80.00");
  }

  @Test
  void overdraftChangesNothing(Connection connection) throws SQLException {
    Bank bank = new Bank(connection);
    assertThatThrownBy(() -> bank.transfer(2, 1, new BigDecimal("500.00")))
        .hasMessageContaining("account_balance_check");
    assertThat(bank.balance(1)).isEqualByComparingTo("100.00");
    assertThat(bank.balance(2)).isEqualByComparingTo("50.00");
  }
}
