package io.pgisolate.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.PgIsolateException;
import org.junit.jupiter.api.Test;

class WholeNumberParameterTest {

  @Test
  void wholeNumbersInRangeAreRead() {
    assertThat(WholeNumberParameter.parse(SharedServer.WORKERS, " 4 ", 1, 2)).isEqualTo(4);
    assertThat(WholeNumberParameter.parse(SharedServer.READY, "0", 0, 4)).isZero();
  }

  @Test
  void notANumberNamesTheParameterTheValueAndWhatIsAccepted() {
    assertThatThrownBy(() -> WholeNumberParameter.parse(SharedServer.WORKERS, "four", 1, 2))
        .isInstanceOf(PgIsolateException.class)
        .hasMessage(
            "pgisolate.transaction.workers must be a whole number of at least 1, got 'four'."
                + " Hint: remove it for the default of 2.");
  }

  @Test
  void tooSmallIsRejected() {
    assertThatThrownBy(() -> WholeNumberParameter.parse(SharedServer.WORKERS, "0", 1, 2))
        .hasMessage(
            "pgisolate.transaction.workers must be a whole number of at least 1, got '0'."
                + " Hint: remove it for the default of 2.");
    assertThatThrownBy(() -> WholeNumberParameter.parse(SharedServer.READY, "-1", 0, 4))
        .hasMessage(
            "pgisolate.pool.ready must be a whole number of at least 0, got '-1'."
                + " Hint: remove it for the default of 4.");
  }

  @Test
  void tooLargeSaysTheLargestAccepted() {
    assertThatThrownBy(
            () -> WholeNumberParameter.parse(SharedServer.LOCK_TIMEOUT, "99999999999", 1, 300))
        .hasMessage(
            "pgisolate.template.lockTimeoutSeconds must be a whole number from 1 to 2147483647,"
                + " got '99999999999'. Hint: remove it for the default of 300.");
  }
}
