package io.pgisolate.proxy.transactional;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgisolate.proxy.transactional.Command.Kind;
import io.pgisolate.sql.SqlStatements;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandTest {

  private static Command classify(String sql) {
    return Command.classify(SqlStatements.split(sql).get(0));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "begin | BEGIN",
        "BEGIN WORK | BEGIN",
        "/* c */ start transaction read only | BEGIN",
        "commit | COMMIT",
        "END TRANSACTION | COMMIT",
        "abort | ROLLBACK",
        "rollback work and no chain | ROLLBACK",
        "rollback to savepoint a | ROLLBACK_TO",
        "ROLLBACK TRANSACTION TO a | ROLLBACK_TO",
        "savepoint a | SAVEPOINT",
        "release a | RELEASE",
        "begin test 'x' | BEGIN_TEST",
        "ROLLBACK TEST 'x' | ROLLBACK_TEST",
        "begin test 'x' on disconnect rollback | BEGIN_TEST",
        "BEGIN TEST ON DISCONNECT ROLLBACK | BEGIN_TEST",
        "begin test 'x' on disconnect | MALFORMED_TEST_COMMAND",
        "begin test 'x' 'y' | MALFORMED_TEST_COMMAND",
        "rollback test 'x' on disconnect rollback | MALFORMED_TEST_COMMAND",
        "prepare transaction 'x' | REFUSED",
        "commit prepared 'x' | REFUSED",
        "listen c | REFUSED",
        "vacuum t | NO_TRANSACTION_BLOCK",
        "create database d | NO_TRANSACTION_BLOCK",
        "create index concurrently i on t (x) | NO_TRANSACTION_BLOCK",
        "alter system set work_mem = '1MB' | NO_TRANSACTION_BLOCK",
        "set local work_mem = '1MB' | SET_LOCAL",
        "set transaction read only | SET_TRANSACTION",
        "set work_mem = '1MB' | SET_SESSION",
        "reset all | SET_SESSION",
        "set constraints all immediate | OTHER",
        "prepare p as select 1 | OTHER",
        "select 'begin' | OTHER",
        "create function f() returns int language sql begin atomic select 1; end | OTHER"
      })
  void classifiesByTheLeadingKeywords(String sql, Kind kind) {
    assertThat(classify(sql).kind()).isEqualTo(kind);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "commit and chain | true",
        "commit and no chain | false",
        "rollback and chain | true",
        "abort | false"
      })
  void knowsAndChain(String sql, boolean chain) {
    assertThat(classify(sql).chain()).isEqualTo(chain);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "begin isolation level serializable | SERIALIZABLE",
        "start transaction read write, isolation level repeatable read | REPEATABLE READ",
        "set transaction isolation level read committed | READ COMMITTED"
      })
  void readsTheIsolationLevel(String sql, String level) {
    assertThat(classify(sql).detail()).isEqualTo(level);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "begin test 'it''s' | it's",
        "rollback test | ''",
        "savepoint A | a",
        "release b | b",
        "release savepoint \"B c\" | B c",
        "rollback to x | x",
        "rollback work to savepoint Y | y",
        "ROLLBACK TRANSACTION TO SAVEPOINT savepoint | savepoint"
      })
  void readsTheTestOrSavepointName(String sql, String name) {
    assertThat(classify(sql).detail()).isEqualTo(name);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "begin test 'a b' | a b | false",
        "BEGIN TEST x ON DISCONNECT ROLLBACK | x | true",
        "begin test on disconnect rollback | '' | true",
        "begin test | '' | false",
        "begin test on | on | false"
      })
  void readsTheTestNameAndOnDisconnectRollback(String sql, String name, boolean ends) {
    Command command = classify(sql);
    assertThat(command.kind()).isEqualTo(Kind.BEGIN_TEST);
    assertThat(command.detail()).isEqualTo(name);
    assertThat(command.endsWithConnection()).isEqualTo(ends);
  }
}
