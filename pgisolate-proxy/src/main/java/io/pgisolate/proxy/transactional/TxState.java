package io.pgisolate.proxy.transactional;

import java.util.ArrayList;
import java.util.List;

/**
 * One client's logical transaction inside the shared one: what PostgreSQL would report to it (idle,
 * in a transaction, failed) and what stands for it on the server (the client's savepoint). A
 * session keeps two: the state its next statements are planned against, assuming everything sent
 * succeeds, and the state confirmed by the server's replies.
 */
final class TxState {
  enum Block {
    IDLE,
    IN_TX,
    FAILED
  }

  /**
   * The confirmed state, whose changes are real: only they may change the session (commit settings,
   * end the test); the planned copy just follows along.
   */
  final boolean confirmed;

  Block block = Block.IDLE;

  /**
   * The client's savepoint exists on the server: for its transaction, or, when idle, for the
   * implicit transaction of the statements being run (so that their failure undoes only them).
   */
  boolean savepointOpen;

  /** BEGIN READ ONLY: committed by rolling back, which also undoes the read-only setting. */
  boolean readOnly;

  /** Statements run in the client's transaction so far (SET TRANSACTION must come first). */
  int statements;

  /** SET LOCAL or SET TRANSACTION ran: the server's settings need restoring once it ends. */
  boolean localSettings;

  /** COMMIT is checking deferred constraints: if that fails, the transaction is rolled back. */
  boolean committing;

  /** Session settings (SET statements) made in the transaction, kept when it commits. */
  List<String> pendingSettings = new ArrayList<>();

  /**
   * The client's savepoints in its transaction, oldest first, each with the number of {@link
   * #pendingSettings} made before it: ROLLBACK TO one undoes the SETs made after it.
   */
  private List<Mark> savepoints = new ArrayList<>();

  private record Mark(String name, int settingsBefore) {}

  TxState(boolean confirmed) {
    this.confirmed = confirmed;
  }

  /** A planned copy. */
  TxState copy() {
    TxState copy = new TxState(false);
    copy.block = block;
    copy.savepointOpen = savepointOpen;
    copy.readOnly = readOnly;
    copy.statements = statements;
    copy.localSettings = localSettings;
    copy.committing = committing;
    copy.pendingSettings = new ArrayList<>(pendingSettings);
    copy.savepoints = new ArrayList<>(savepoints);
    return copy;
  }

  /** Back to no transaction, no savepoint. */
  void reset() {
    block = Block.IDLE;
    savepointOpen = false;
    readOnly = false;
    statements = 0;
    localSettings = false;
    committing = false;
    pendingSettings.clear();
    savepoints.clear();
  }

  /**
   * The client's transaction ended by COMMIT or ROLLBACK: its SETs and savepoints are done with;
   * AND CHAIN goes on in a new transaction.
   */
  void ended(boolean chain) {
    reset();
    block = chain ? Block.IN_TX : Block.IDLE;
  }

  /** The client's SAVEPOINT {@code name}. */
  void savepoint(String name) {
    savepoints.add(new Mark(name, pendingSettings.size()));
  }

  /** The client's ROLLBACK TO {@code name}: the SETs since are undone, the savepoint stays. */
  void rolledBackTo(String name) {
    int at = lastIndexOf(name);
    if (at >= 0) {
      Mark mark = savepoints.get(at);
      pendingSettings.subList(mark.settingsBefore(), pendingSettings.size()).clear();
      savepoints.subList(at + 1, savepoints.size()).clear();
    }
  }

  /** The client's RELEASE {@code name}: it and the savepoints since are gone, their SETs kept. */
  void released(String name) {
    int at = lastIndexOf(name);
    if (at >= 0) {
      savepoints.subList(at, savepoints.size()).clear();
    }
  }

  private int lastIndexOf(String name) {
    for (int i = savepoints.size() - 1; i >= 0; i--) {
      if (savepoints.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** The ReadyForQuery status byte PostgreSQL would send this client. */
  char status() {
    return switch (block) {
      case IDLE -> 'I';
      case IN_TX -> 'T';
      case FAILED -> 'E';
    };
  }

  @Override
  public String toString() {
    return block + (savepointOpen ? "+savepoint" : "");
  }
}
