package example.spring;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** The code under test: how many of an item the shop has, and taking some (never below zero). */
@Repository
public class Stock {
  private final JdbcTemplate jdbc;

  public Stock(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public int quantity(String item) {
    Integer quantity =
        jdbc.queryForObject("select quantity from stock where item = ?", Integer.class, item);
    return quantity == null ? 0 : quantity;
  }

  /** Takes {@code n} of {@code item}; says whether there were enough. */
  public boolean take(String item, int n) {
    return jdbc.update(
            "update stock set quantity = quantity - ? where item = ? and quantity >= ?", n, item, n)
        == 1;
  }

  public void restock(String item, int n) {
    jdbc.update(
        "insert into stock (item, quantity) values (?, ?)"
            + " on conflict (item) do update set quantity = stock.quantity + excluded.quantity",
        item,
        n);
  }
}
