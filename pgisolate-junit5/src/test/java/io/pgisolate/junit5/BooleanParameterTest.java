package io.pgisolate.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.PgIsolateException;
import org.junit.jupiter.api.Test;

class BooleanParameterTest {

  @Test
  void trueAndFalseAreRead() {
    assertThat(BooleanParameter.parse(ExtensionSettings.FLYWAY, " TRUE ", false)).isTrue();
    assertThat(BooleanParameter.parse(ExtensionSettings.FLYWAY, "false", true)).isFalse();
  }

  @Test
  void aTypoFailsInsteadOfReadingAsFalse() {
    assertThatThrownBy(() -> BooleanParameter.parse(ExtensionSettings.FLYWAY, "ture", false))
        .isInstanceOf(PgIsolateException.class)
        .hasMessage(
            "pgisolate.flyway must be true or false, got 'ture'. Hint: remove it for the default"
                + " of false.");
  }
}
