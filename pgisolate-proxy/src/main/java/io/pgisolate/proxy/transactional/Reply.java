package io.pgisolate.proxy.transactional;

import io.netty.util.ReferenceCountUtil;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.RawMessage;
import io.pgisolate.proxy.protocol.Wire;
import io.pgisolate.proxy.protocol.backend.CommandComplete;
import io.pgisolate.proxy.protocol.backend.ErrorResponse;
import io.pgisolate.proxy.protocol.backend.ParameterStatus;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the proxy expects back for one message it sent to the shared server, and what it does with
 * the server's answer. Replies queue in the order their messages were sent, which is the order
 * PostgreSQL answers in; a reply can also stand for output the proxy makes up itself ({@link
 * #immediate}), so that it reaches the client exactly between the answers it belongs between.
 */
abstract class Reply {

  /** Takes one server message (ownership passes); true when this reply is complete. */
  abstract boolean read(RawMessage message);

  /**
   * The server skips this message after an error in the extended protocol, up to the next Sync: it
   * is then never answered, and {@link #dropped} instead.
   */
  boolean skippable() {
    return false;
  }

  /** Made up by the proxy: runs when it reaches the head of the queue, without a server message. */
  boolean immediate() {
    return false;
  }

  void run() {}

  /** The client whose statement this answers, if it is one of a client's own statements. */
  ClientSession owner() {
    return null;
  }

  /** Will never be answered (skipped after an error, or the server connection is gone). */
  void dropped() {}

  /** Whether {@code received} is the last message the server sends for a message of type sent. */
  static boolean completes(char sent, char received) {
    if (received == ErrorResponse.TYPE) {
      // An error ends every extended-protocol message; Query and Sync end only at ReadyForQuery.
      return sent != 'Q' && sent != 'S' && sent != 'F';
    }
    return switch (sent) {
      case 'P' -> received == '1';
      case 'B' -> received == '2';
      case 'C' -> received == '3';
      case 'D' -> received == 'T' || received == 'n';
      case 'E' -> received == 'C' || received == 'I' || received == 's';
      default -> received == 'Z';
    };
  }

  static boolean extended(char sent) {
    return sent == 'P' || sent == 'B' || sent == 'C' || sent == 'D' || sent == 'E';
  }

  /** Passes the server's answer to a client, rewriting what the client must not see as is. */
  static final class Forward extends Reply {
    private final ClientSession client;
    private final char sent;
    private final int positionOffset;
    private final boolean madeUpError;
    private final Consumer<TxState> onSuccess;
    private final int appendedTags;
    private final java.util.ArrayDeque<RawMessage> heldTags = new java.util.ArrayDeque<>(2);
    private boolean failed;

    /** Applied one by one as the query's statements complete (see {@link #eachStatement}). */
    private Iterator<Consumer<TxState>> statementEffects;

    Forward(
        ClientSession client,
        char sent,
        int positionOffset,
        boolean madeUpError,
        Consumer<TxState> onSuccess) {
      this(client, sent, positionOffset, madeUpError, onSuccess, 0);
    }

    /**
     * @param positionOffset added to an error's position: where the statements sent start in the
     *     client's query text
     * @param madeUpError the statement is the proxy's own (a DO block) and only its error is the
     *     client's, without the context and source location, which are the proxy's
     * @param onSuccess applied to the client's confirmed state when the message succeeded
     * @param appendedTags the query ends with this many statements of the proxy's (RELEASE and
     *     SAVEPOINT of the base savepoint), whose command tags, the last before ReadyForQuery when
     *     nothing failed, are not the client's
     */
    Forward(
        ClientSession client,
        char sent,
        int positionOffset,
        boolean madeUpError,
        Consumer<TxState> onSuccess,
        int appendedTags) {
      this.client = client;
      this.sent = sent;
      this.positionOffset = positionOffset;
      this.madeUpError = madeUpError;
      this.onSuccess = onSuccess;
      this.appendedTags = appendedTags;
    }

    /**
     * For a query of several statements, {@code effects} (null ones change nothing) are applied to
     * the client's confirmed state each as its statement completes: those before a failing
     * statement took effect on the server, unlike the query's {@code onSuccess}.
     */
    Forward eachStatement(List<Consumer<TxState>> effects) {
      statementEffects = effects.iterator();
      return this;
    }

    @Override
    boolean read(RawMessage message) {
      char type = message.type();
      if (type == CommandComplete.TYPE && statementEffects != null && statementEffects.hasNext()) {
        Consumer<TxState> effect = statementEffects.next();
        if (effect != null) {
          effect.accept(client.confirmed());
        }
      }
      // ParameterStatus comes just before ReadyForQuery, behind the appended tags: keep them.
      if (!heldTags.isEmpty() && type != ParameterStatus.TYPE && type != CommandComplete.TYPE) {
        boolean ours = type == 'Z' && !failed;
        while (!heldTags.isEmpty()) {
          RawMessage tag = heldTags.poll();
          if (ours) {
            tag.release();
          } else {
            client.send(tag);
          }
        }
      }
      switch (type) {
        case 'Z' -> {
          client.serverStatus((char) message.body().getByte(0));
          message.release();
        }
        case ErrorResponse.TYPE -> {
          failed = true;
          ErrorResponse error =
              Wire.decodeWhole(ErrorResponse.TYPE, message.body(), ErrorResponse::decode);
          message.release();
          client.failed(Errors.forClient(error, positionOffset, madeUpError));
        }
        case CommandComplete.TYPE -> {
          if (madeUpError) {
            // The proxy's own statement: only its error, if any, is the client's.
            message.release();
          } else if (appendedTags > 0) {
            // The last ones before ReadyForQuery are the proxy's; earlier ones the client's.
            heldTags.add(message);
            if (heldTags.size() > appendedTags) {
              RawMessage tag = heldTags.poll();
              client.send(tag);
            }
          } else {
            client.send(message);
          }
        }
        case 'G' -> {
          client.send(message);
          client.copyInStarted();
        }
        default -> client.send(message);
      }
      boolean done = completes(sent, type);
      if (done && !failed && onSuccess != null) {
        onSuccess.accept(client.confirmed());
      }
      return done;
    }

    @Override
    ClientSession owner() {
      return client;
    }

    @Override
    void dropped() {
      heldTags.forEach(RawMessage::release);
      heldTags.clear();
    }

    @Override
    boolean skippable() {
      return extended(sent);
    }

    @Override
    public String toString() {
      return "Forward[" + sent + " for " + client + "]";
    }
  }

  /** Swallows the server's answer to a statement the proxy sent for its own purposes. */
  static final class Internal extends Reply {
    private final char sent;
    private final Consumer<ErrorResponse> onDone;
    private ErrorResponse error;

    /**
     * @param onDone called once complete, with the error or null
     */
    Internal(char sent, Consumer<ErrorResponse> onDone) {
      this.sent = sent;
      this.onDone = onDone;
    }

    @Override
    boolean read(RawMessage message) {
      char type = message.type();
      if (type == ErrorResponse.TYPE) {
        error = Wire.decodeWhole(ErrorResponse.TYPE, message.body(), ErrorResponse::decode);
      }
      ReferenceCountUtil.release(message);
      boolean done = completes(sent, type);
      if (done && onDone != null) {
        onDone.accept(error);
      }
      return done;
    }

    @Override
    boolean skippable() {
      return extended(sent);
    }

    @Override
    public String toString() {
      return "Internal[" + sent + "]";
    }
  }

  /**
   * Messages the proxy makes up for a client (a command tag, a warning), sent when everything
   * before them has been answered; in the extended protocol they are skipped after an error, as the
   * statement they stand for would have been.
   */
  static final class Synthetic extends Reply {
    private final ClientSession client;
    private final List<BackendMessage> messages;
    private final Consumer<TxState> effect;
    private final boolean skippable;

    Synthetic(
        ClientSession client,
        List<BackendMessage> messages,
        Consumer<TxState> effect,
        boolean skippable) {
      this.client = client;
      this.messages = messages;
      this.effect = effect;
      this.skippable = skippable;
    }

    @Override
    boolean read(RawMessage message) {
      throw new IllegalStateException("a synthetic reply reads nothing");
    }

    @Override
    boolean immediate() {
      return true;
    }

    @Override
    void run() {
      if (client.unitFailed()) {
        // Stands for a statement after the one that failed, which PostgreSQL would not run.
        return;
      }
      messages.forEach(client::send);
      if (effect != null) {
        effect.accept(client.confirmed());
      }
    }

    @Override
    boolean skippable() {
      return skippable;
    }

    @Override
    public String toString() {
      return "Synthetic" + messages;
    }
  }

  /** A step of the proxy's own, run when everything sent before it has been answered. */
  static final class Marker extends Reply {
    private final Runnable action;
    private final Runnable onDrop;

    Marker(Runnable action, Runnable onDrop) {
      this.action = action;
      this.onDrop = onDrop;
    }

    @Override
    boolean read(RawMessage message) {
      throw new IllegalStateException("a marker reads nothing");
    }

    @Override
    boolean immediate() {
      return true;
    }

    @Override
    void run() {
      action.run();
    }

    @Override
    void dropped() {
      if (onDrop != null) {
        onDrop.run();
      }
    }

    @Override
    public String toString() {
      return "Marker";
    }
  }
}
