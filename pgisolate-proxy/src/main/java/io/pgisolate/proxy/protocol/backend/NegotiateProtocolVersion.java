package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.Wire;
import java.util.ArrayList;
import java.util.List;

/**
 * NegotiateProtocolVersion ('v'): the newest minor version the server supports for the requested
 * major version, and the "_pq_." options it did not recognise.
 */
public record NegotiateProtocolVersion(int newestMinorVersion, List<String> unrecognizedOptions)
    implements BackendMessage {
  public static final char TYPE = 'v';

  public NegotiateProtocolVersion {
    unrecognizedOptions = List.copyOf(unrecognizedOptions);
  }

  public static NegotiateProtocolVersion decode(ByteBuf body) {
    int minor = body.readInt();
    int count = body.readInt();
    if (count < 0 || count > body.readableBytes()) {
      throw new io.pgisolate.proxy.protocol.ProtocolException(
          "invalid message format: option count " + count + " out of range");
    }
    List<String> options = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      options.add(Wire.readCString(body));
    }
    return new NegotiateProtocolVersion(minor, options);
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeInt(newestMinorVersion);
    out.writeInt(unrecognizedOptions.size());
    for (String option : unrecognizedOptions) {
      Wire.writeCString(out, option);
    }
    Wire.end(out, length);
  }
}
