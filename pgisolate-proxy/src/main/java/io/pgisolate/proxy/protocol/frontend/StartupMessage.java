package io.pgisolate.proxy.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.Wire;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * StartupMessage: the protocol version (major in the high 16 bits, minor in the low) and the
 * session parameters ("user" is required; "database", "options", "replication", run-time settings
 * and "_pq_." protocol options are optional).
 */
public record StartupMessage(int protocolVersion, Map<String, String> parameters)
    implements StartupPacket {
  public static final int PROTOCOL_3_0 = 3 << 16;
  public static final int PROTOCOL_3_2 = (3 << 16) | 2;

  public StartupMessage {
    parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
  }

  /** Decodes what follows the version: name/value pairs ended by an empty name. */
  public static StartupMessage decode(int protocolVersion, ByteBuf body) {
    Map<String, String> parameters = new LinkedHashMap<>();
    while (true) {
      String name = Wire.readCString(body);
      if (name.isEmpty()) {
        break;
      }
      parameters.put(name, Wire.readCString(body));
    }
    return new StartupMessage(protocolVersion, parameters);
  }

  public int majorVersion() {
    return protocolVersion >>> 16;
  }

  public int minorVersion() {
    return protocolVersion & 0xffff;
  }

  public String user() {
    return parameters.get("user");
  }

  /** The database, which defaults to the user name as in PostgreSQL. */
  public String database() {
    String database = parameters.get("database");
    return database == null || database.isEmpty() ? user() : database;
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.beginUntyped(out);
    out.writeInt(protocolVersion);
    for (Map.Entry<String, String> parameter : parameters.entrySet()) {
      Wire.writeCString(out, parameter.getKey());
      Wire.writeCString(out, parameter.getValue());
    }
    out.writeByte(0);
    Wire.end(out, length);
  }
}
