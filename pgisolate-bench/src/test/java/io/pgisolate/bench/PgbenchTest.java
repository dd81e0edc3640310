package io.pgisolate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PgbenchTest {
  /** The end of pgbench 15's report of a timed run. */
  private static final String REPORT_15 =
      String.join(
          "\n",
          "transaction type: <builtin: select only>",
          "scaling factor: 10",
          "query mode: simple",
          "number of clients: 8",
          "number of threads: 2",
          "maximum number of tries: 1",
          "duration: 5 s",
          "number of transactions actually processed: 58021",
          "number of failed transactions: 3 (0.005%)",
          "latency average = 0.688 ms",
          "initial connection time = 9.484 ms",
          "tps = 11620.759582 (without initial connection time)",
          "");

  @Test
  void readsTpsTransactionsAndFailures() {
    assertThat(Pgbench.parse(REPORT_15)).isEqualTo(new Pgbench.Result(11620.759582, 58021, 3));
  }

  @Test
  void failuresAreUnknownFromPgbench14WhichDoesNotReportThem() {
    String report14 =
        String.join(
            "\n",
            "number of transactions actually processed: 1200",
            "latency average = 0.833 ms",
            "tps = 1199.5 (without initial connection time)",
            "");
    assertThat(Pgbench.parse(report14)).isEqualTo(new Pgbench.Result(1199.5, 1200, -1));
  }

  @Test
  void aReportWithoutTpsIsAnErrorThatShowsIt() {
    assertThatThrownBy(() -> Pgbench.parse("pgbench: error: connection refused"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("pgbench printed no TPS figure:\npgbench: error: connection refused");
  }

  @Test
  void anUnknownQueryModeIsRefusedWithTheValidOnes() {
    Pgbench pgbench = new Pgbench("/usr/bin/pgbench", "simple");
    assertThat(pgbench.queryMode("prepared").queryMode()).isEqualTo("prepared");
    assertThatThrownBy(() -> pgbench.queryMode("PREPARED"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the query mode must be one of [simple, extended, prepared], was 'PREPARED'");
  }
}
