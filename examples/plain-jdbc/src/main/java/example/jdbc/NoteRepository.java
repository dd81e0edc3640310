package example.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The code under test: plain JDBC against PostgreSQL. */
public final class NoteRepository {
  private final DataSource dataSource;

  public NoteRepository(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public long add(String body) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement("insert into note (body) values (?) returning id")) {
      ps.setString(1, body);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  public List<String> all() throws SQLException {
    try (Connection c = dataSource.getConnection();
        ResultSet rs = c.createStatement().executeQuery("select body from note order by id")) {
      List<String> bodies = new ArrayList<>();
      while (rs.next()) {
        bodies.add(rs.getString(1));
      }
      return bodies;
    }
  }
}
