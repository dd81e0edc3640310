package io.pgisolate.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class WorkerSchemasTest {
  private static final Pattern PATTERN = Pattern.compile(WorkerSchemas.PATTERN);

  @Test
  void aWorkersSchemaNameCarriesItsRunnerItsNumberAndItsBackendPid() {
    String prefix = WorkerSchemas.runnerPrefix();
    String name = WorkerSchemas.name(prefix, 12, 4194304);
    assertThat(name).startsWith(prefix + "_12_").hasSizeLessThanOrEqualTo(63);
    Matcher m = PATTERN.matcher(name);
    assertThat(m.matches()).isTrue();
    assertThat(m.group(1)).isEqualTo("4194304");
  }

  @Test
  void otherSchemasDoNotLookLikeAWorkers() {
    assertThat(PATTERN.matcher("pgi_s_0123abcd_3").matches()).as("SCHEMA isolation's").isFalse();
    assertThat(PATTERN.matcher("pgi_x_0123abcd_3").matches()).as("before the pid").isFalse();
    assertThat(PATTERN.matcher("pgi_x_0123abcd_3_pid12_kept").matches()).isFalse();
    assertThat(PATTERN.matcher("public").matches()).isFalse();
  }
}
