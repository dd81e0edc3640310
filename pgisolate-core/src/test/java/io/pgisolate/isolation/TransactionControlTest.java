package io.pgisolate.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TransactionControlTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "COMMIT|COMMIT",
        "commit;|COMMIT",
        "  Commit work|COMMIT",
        "end|END",
        "abort|ABORT",
        "begin|BEGIN",
        "BEGIN ISOLATION LEVEL SERIALIZABLE|BEGIN",
        "rollback|ROLLBACK",
        "rollback work|ROLLBACK",
        "ROLLBACK AND CHAIN|ROLLBACK",
        "start transaction|START TRANSACTION",
        "prepare transaction 'x'|PREPARE TRANSACTION",
        "insert into t values (1); commit|COMMIT",
        "/* note */ -- line\\n commit|COMMIT",
        "select 'a;b'; COMMIT|COMMIT",
        "select $$;$$; end|END",
      })
  void findsTransactionControl(String sql, String keyword) {
    assertThat(TransactionControl.find(sql.replace("\\n", "\n"))).contains(keyword);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "select 1",
        "insert into commit_log values ('commit')",
        "select 'commit; rollback'",
        "select $x$ ; commit; $x$",
        "select E'\\'; commit'",
        "select \"commit\" from t",
        "-- commit\nselect 1",
        "/* commit /* nested */ commit */ select 1",
        "savepoint a",
        "rollback to savepoint a",
        "rollback to a",
        "ROLLBACK WORK TO SAVEPOINT a",
        "release savepoint a",
        "prepare q as select 1",
        "create function f() returns int language sql begin atomic select 1; end",
        "create function g() returns int language plpgsql as $$ begin commit; end $$",
        "update t set x = case when y then 1 end; select 2",
        "",
      })
  void letsOtherStatementsThrough(String sql) {
    assertThat(TransactionControl.find(sql)).isEmpty();
  }

  @Test
  void findsTheStatementAfterAnAtomicFunctionBody() {
    assertThat(
            TransactionControl.find(
                "create function f() returns int language sql begin atomic select 1; end; commit"))
        .contains("COMMIT");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "alter table note add column extra int",
        "select 1; create temp table t (id int)",
        "/* migration */ DROP TABLE note",
        "do $$ begin execute 'alter table note add x int'; end $$",
        "import foreign schema s from server f into public",
        "set search_path = other",
        "SET LOCAL search_path TO other, public",
        "set session schema 'other'",
        "reset search_path",
        "reset all",
      })
  void notesStatementsThatChangeTheSchema(String sql) {
    assertThat(TransactionControl.scan(sql).changesSchema()).isTrue();
    assertThat(TransactionControl.scan(sql).control()).isNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "select 'alter table note add column extra int'",
        "insert into note (body) values ('drop')",
        "update note set body = 'create' where id = 1",
        "-- create table t (id int)\nselect 1",
        "prepare q as select 1",
        "set statement_timeout = '1s'",
        "reset statement_timeout",
        "",
      })
  void otherStatementsDoNotChangeTheSchema(String sql) {
    assertThat(TransactionControl.scan(sql).changesSchema()).isFalse();
  }
}
