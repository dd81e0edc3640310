package io.pgisolate.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaSettingsTest {

  @Test
  void spacesAroundNamesAreStrippedAsInTheDriversCommaSeparatedLists() {
    SchemaSettings spaced =
        new SchemaSettings(
            List.of(" db/a.sql", "file:/tmp/b.sql\t"), List.of(" classpath:m "), false, " c.xml ");
    assertThat(spaced)
        .isEqualTo(
            new SchemaSettings(
                SchemaSettings.commaSeparated(" db/a.sql , file:/tmp/b.sql"),
                List.of("classpath:m"),
                true,
                "c.xml"));
    assertThat(spaced.scripts()).containsExactly("db/a.sql", "file:/tmp/b.sql");
  }
}
