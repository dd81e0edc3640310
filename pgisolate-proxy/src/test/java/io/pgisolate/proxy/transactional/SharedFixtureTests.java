package io.pgisolate.proxy.transactional;

import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * The tests of a class that share one {@link TransactionalFixture}, each starting with table {@code
 * shared} empty.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SharedFixtureTests {
  final TransactionalFixture fixture;

  /**
   * @param waitTimeout the proxy's wait timeout
   */
  SharedFixtureTests(Duration waitTimeout) {
    fixture = new TransactionalFixture(waitTimeout);
  }

  @BeforeEach
  void emptyTable() throws SQLException {
    fixture.emptySharedTable();
  }

  @AfterAll
  void closeFixture() {
    fixture.close();
  }
}
