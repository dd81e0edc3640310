package io.pgisolate.proxy.protocol.frontend;

import io.pgisolate.proxy.protocol.FrontendMessage;

/**
 * A packet of the start-up phase. These have no type byte (PostgreSQL docs, "Start-up" and "Message
 * Formats": Int32 length, Int32 code, body), so {@link StartupPacketDecoder} tells them apart by
 * the code.
 */
public interface StartupPacket extends FrontendMessage {
  /** The largest start-up packet PostgreSQL accepts (MAX_STARTUP_PACKET_LENGTH). */
  int MAX_LENGTH = 10_000;
}
