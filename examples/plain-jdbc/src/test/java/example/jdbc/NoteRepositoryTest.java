package example.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.junit5.PgIsolated;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

// Every test gets its own database, cloned from a template built once from db/schema.sql.
@PgIsolated(scripts = "db/schema.sql")
class NoteRepositoryTest {

  @Test
  void addsNotes(DataSource dataSource) throws SQLException {
    NoteRepository notes = new NoteRepository(dataSource);
    notes.add("buy milk");
    notes.add("call mum");
    assertThat(notes.all()).containsExactly("buy milk", "call mum");
  }

  @Test
  void startsEmptyWhateverOtherTestsDid(DataSource dataSource) throws SQLException {
    assertThat(new NoteRepository(dataSource).all()).isEmpty();
  }

  @Test
  void refusesEmptyNotes(DataSource dataSource) {
    assertThatThrownBy(() -> new NoteRepository(dataSource).add(""))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("note_body_check");
  }
}
