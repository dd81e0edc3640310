package io.pgisolate.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NestedSavepointsTest {
  private final NestedSavepoints<String> nested = new NestedSavepoints<>();
  private final Object a1 = new Object();
  private final Object aInner = new Object();
  private final Object b1 = new Object();

  @Test
  void aHandleMayEndWhatOnlyItsOwnSavepointsAreSetAfter() {
    nested.set("a", a1);
    nested.set("a", aInner);
    assertThat(nested.laterOfAnother("a", a1)).isNull();
    nested.set("b", b1);
    assertThat(nested.laterOfAnother("a", a1)).isEqualTo("b");
    assertThat(nested.laterOfAnother("a", aInner)).isEqualTo("b");
    assertThat(nested.laterOfAnother("b", b1)).isNull();
    nested.released(b1);
    assertThat(nested.laterOfAnother("a", a1)).isNull();
  }

  @Test
  void rollingBackToASavepointKeepsItAndDropsTheOnesSetAfterIt() {
    nested.set("a", a1);
    nested.set("a", aInner);
    nested.rolledBackTo(a1);
    nested.set("b", b1);
    assertThat(nested.laterOfAnother("a", a1)).isEqualTo("b");
    assertThat(nested.laterOfAnother("a", aInner)).as("gone: the server will say so").isNull();
  }

  @Test
  void releasingASavepointDropsItAndTheOnesSetAfterIt() {
    nested.set("a", a1);
    nested.set("b", b1);
    nested.released(a1);
    assertThat(nested.laterOfAnother("b", b1)).isNull();
    nested.set("b", b1);
    assertThat(nested.laterOfAnother("a", a1)).isNull();
  }
}
