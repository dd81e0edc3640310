package io.pgisolate.proxy.transactional;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One test at a time on the shared session: the open test (its name, the client that began it and
 * since when) and the clients whose {@code BEGIN TEST} came while it was open, waiting in arrival
 * order for it to end. Several test JVMs can so share one proxy: their tests take turns.
 *
 * <p>A test begun {@code ON DISCONNECT ROLLBACK} is orphaned when the connection that began it
 * closes, for the backend to roll it back once the session is free: a test JVM killed mid-test (a
 * Surefire fork on timeout) then does not keep the next ones waiting.
 *
 * <p>Used on the proxy's event loop only.
 */
final class TestQueue {
  private String name;
  private ClientSession owner;
  private long openSince;
  private boolean endsWithOwner;
  private boolean orphaned;

  /** The test the shared session was lost with, and why, until ROLLBACK TEST is told. */
  private String lostName;

  private String lostWhy;
  private final ArrayDeque<ClientSession> waiting = new ArrayDeque<>();

  /** How many wait, for other threads (a proxy's state in messages and tests). */
  private volatile int waitingCount;

  /** The open test's name, or null. */
  String name() {
    return name;
  }

  void began(String test, boolean endsWithConnection, ClientSession by) {
    lostName = null;
    lostWhy = null;
    name = test;
    owner = by;
    endsWithOwner = endsWithConnection;
    orphaned = false;
    openSince = System.nanoTime();
  }

  /**
   * {@code client}'s connection is closing: if it began the open test ON DISCONNECT ROLLBACK, the
   * test is orphaned. True when it was.
   */
  boolean ownerClosing(ClientSession client) {
    if (name != null && endsWithOwner && owner == client && !orphaned) {
      orphaned = true;
      return true;
    }
    return false;
  }

  /** The open test's connection closed (see {@link #ownerClosing}): it is to be rolled back. */
  boolean orphaned() {
    return orphaned;
  }

  /**
   * The test ended: the clients that waited for it, in arrival order, for the caller to let
   * through. The first one to run its BEGIN TEST opens the next test; the others find that one open
   * and wait again, still in the same order.
   */
  List<ClientSession> ended() {
    name = null;
    owner = null;
    endsWithOwner = false;
    orphaned = false;
    List<ClientSession> released = List.copyOf(waiting);
    waiting.clear();
    waitingCount = 0;
    return released;
  }

  /**
   * Whether a BEGIN TEST from {@code client} waits for the open test to end. In its own test it
   * does not: it would wait for itself, so it fails at once.
   */
  boolean openByAnother(ClientSession client) {
    return name != null && owner != client;
  }

  void await(ClientSession client) {
    waiting.add(client);
    waitingCount = waiting.size();
  }

  boolean isWaiting(ClientSession client) {
    return waiting.contains(client);
  }

  /** The client gave up waiting, or disconnected. */
  void remove(ClientSession client) {
    waiting.remove(client);
    waitingCount = waiting.size();
  }

  /** How many BEGIN TESTs wait for the open test to end; safe from any thread. */
  int waitingCount() {
    return waitingCount;
  }

  /**
   * The shared session was lost ({@code why}): no test is open any more, and its clients are gone.
   * The open test is remembered for the ROLLBACK TEST that comes to end it.
   */
  void lost(String why) {
    if (name != null) {
      lostName = name;
      lostWhy = why;
    }
    ended();
  }

  /**
   * What became of the test lost with the shared session, for a ROLLBACK TEST of {@code test} (a
   * name or empty) when none is open: said once, then forgotten; null when no such test was lost.
   */
  String takeLost(String test) {
    if (lostName == null || !(test.isEmpty() || test.equals(lostName))) {
      return null;
    }
    String what = "test '" + lostName + "' was rolled back before ROLLBACK TEST: " + lostWhy;
    lostName = null;
    lostWhy = null;
    return what;
  }

  /** The open test for messages about waiting: "test 'a' (open for 2013 ms)". */
  String describe() {
    if (name == null) {
      // Between two tests: it ended and the next one has not begun yet.
      return "the test before it (it has just ended)";
    }
    return "test '"
        + name
        + "' (open for "
        + Duration.ofNanos(System.nanoTime() - openSince).toMillis()
        + " ms)";
  }
}
