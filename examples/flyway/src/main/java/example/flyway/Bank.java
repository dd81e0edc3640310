package example.flyway;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The code under test: a transfer that must be all or nothing. */
public final class Bank {
  private final Connection connection;

  public Bank(Connection connection) {
    this.connection = connection;
  }

  public void transfer(long from, long to, BigDecimal amount) throws SQLException {
    boolean auto = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (PreparedStatement debit =
            connection.prepareStatement("update account set balance = balance - ? where id = ?");
        PreparedStatement credit =
            connection.prepareStatement("update account set balance = balance + ? where id = ?")) {
      debit.setBigDecimal(1, amount);
      debit.setLong(2, from);
      debit.executeUpdate();
      credit.setBigDecimal(1, amount);
      credit.setLong(2, to);
      credit.executeUpdate();
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(auto);
    }
  }

  public BigDecimal balance(long id) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement("select balance from account where id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBigDecimal(1);
      }
    }
  }
}
