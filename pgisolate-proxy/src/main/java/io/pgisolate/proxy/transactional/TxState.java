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
