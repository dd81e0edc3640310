package io.pgisolate.junit5;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgisolate.PgIsolateException;
import org.junit.jupiter.api.Test;

class SharedTransactionsTest {

  @Test
  void aMissingPgisolateProxySaysWhatToAdd() {
    assertThatThrownBy(
            () ->
                SharedTransactions.requireClass(
                    "io.pgisolate.proxy.Missing", getClass().getClassLoader()))
        .isInstanceOf(PgIsolateException.class)
        .hasMessage(
            "isolation = SHARED_TRANSACTION needs pgisolate-proxy on the test classpath"
                + " (io.pgisolate.proxy.Missing is missing). Hint: add the dependency"
                + " io.pgisolate:pgisolate-proxy, scope test.");
  }

  @Test
  void theProxyIsOnThisModulesTestClasspath() {
    assertThatCode(
            () ->
                SharedTransactions.requireClass(
                    SharedTransactions.PROXY_CLASS, getClass().getClassLoader()))
        .doesNotThrowAnyException();
  }
}
