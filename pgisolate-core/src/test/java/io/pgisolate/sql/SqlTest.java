package io.pgisolate.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SqlTest {
  @Test
  void quotesIdentifiers() {
    assertThat(Sql.identifier("app")).isEqualTo("\"app\"");
    assertThat(Sql.identifier("we\"ird db")).isEqualTo("\"we\"\"ird db\"");
    assertThatThrownBy(() -> Sql.identifier("")).hasMessage("an SQL identifier must not be empty");
  }

  @Test
  void quotesLiterals() {
    assertThat(Sql.literal("it's")).isEqualTo("'it''s'");
    assertThatThrownBy(() -> Sql.literal("a\0b"))
        .hasMessage("an SQL literal must not contain a NUL character");
  }
}
