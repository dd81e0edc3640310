package io.pgisolate.proxy.transactional;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.proxy.BackendTarget;
import io.pgisolate.proxy.protocol.backend.ErrorResponse;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TimeoutExemptionTest {
  private final BackendTarget target =
      new BackendTarget(
          InetSocketAddress.createUnresolved("db", 5432), "ci", null, Map.of("database", "app"));
  private final ErrorResponse unknownSetting =
      ErrorResponse.fatal("42704", "unrecognized configuration parameter \"transaction_timeout\"");

  @Test
  void theSharedSessionStartsWithEveryTimeoutThatEndsASessionOff() {
    assertThat(new TimeoutExemption().applyTo(target).parameters())
        .containsEntry("database", "app")
        .containsEntry("user", "ci")
        .containsEntry(
            "options",
            "-c idle_in_transaction_session_timeout=0 -c idle_session_timeout=0"
                + " -c transaction_timeout=0");
  }

  @Test
  void aServerThatDoesNotKnowOneIsAskedAgainWithoutTheNewestUntilNoneIsLeft() {
    TimeoutExemption exemption = new TimeoutExemption();
    assertThat(exemption.leaveOutNewest(unknownSetting)).isTrue();
    assertThat(exemption.applyTo(target).parameters())
        .containsEntry(
            "options", "-c idle_in_transaction_session_timeout=0 -c idle_session_timeout=0");
    assertThat(exemption.leaveOutNewest(unknownSetting)).isTrue();
    assertThat(exemption.leaveOutNewest(unknownSetting)).isTrue();
    assertThat(exemption.applyTo(target).parameters()).doesNotContainKey("options");
    assertThat(exemption.leaveOutNewest(unknownSetting)).as("nothing left to leave out").isFalse();
  }

  @Test
  void otherRefusalsAreNotRetried() {
    TimeoutExemption exemption = new TimeoutExemption();
    assertThat(
            exemption.leaveOutNewest(
                ErrorResponse.fatal("28P01", "password authentication failed for user \"ci\"")))
        .isFalse();
    assertThat(exemption.applyTo(target).parameters().get("options"))
        .endsWith("-c transaction_timeout=0");
  }
}
