package io.pgisolate.isolation;

import java.util.ArrayList;
import java.util.List;

/**
 * The savepoints a test's handles have open on their worker's connection, outermost first, each
 * with the handle that set it: a handle's transaction (the savepoint {@code setAutoCommit(false)}
 * set) and the savepoints set inside it.
 *
 * <p>Savepoints nest: releasing or rolling back to one releases every savepoint set after it. Two
 * handles whose transactions overlap without nesting (a begins, b begins, a commits) cannot be
 * emulated on one session — a's commit would take b's work with it — so a handle may end a
 * savepoint only when every savepoint set after it is its own ({@link #laterOfAnother}).
 *
 * @param <H> what a handle is
 */
final class NestedSavepoints<H> {
  /** One savepoint: {@code key} is what its handle knows it by (a name, a Savepoint object). */
  private record Entry<H>(H handle, Object key) {}

  private final List<Entry<H>> open = new ArrayList<>();

  void set(H handle, Object key) {
    open.add(new Entry<>(handle, key));
  }

  /**
   * The handle that set a savepoint after {@code key} and is not {@code handle}, or null when there
   * is none (or {@code key} is not open: the server will say so).
   */
  H laterOfAnother(H handle, Object key) {
    int at = indexOf(key);
    if (at < 0) {
      return null;
    }
    for (int i = at + 1; i < open.size(); i++) {
      if (open.get(i).handle() != handle) {
        return open.get(i).handle();
      }
    }
    return null;
  }

  /** {@code key} was rolled back to: the savepoints set after it are gone, it stays. */
  void rolledBackTo(Object key) {
    truncate(indexOf(key) + 1);
  }

  /** {@code key} was released: it is gone, and with it the savepoints set after it. */
  void released(Object key) {
    truncate(indexOf(key));
  }

  private void truncate(int size) {
    if (size >= 0) {
      open.subList(size, open.size()).clear();
    }
  }

  private int indexOf(Object key) {
    for (int i = open.size() - 1; i >= 0; i--) {
      if (open.get(i).key() == key) {
        return i;
      }
    }
    return -1;
  }
}
