package io.pgisolate.proxy.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgisolate.proxy.protocol.Wire;
import java.util.ArrayList;
import java.util.List;

/** AuthenticationSASL ('R', code 10): the SASL mechanisms the server offers. */
public record AuthenticationSasl(List<String> mechanisms) implements Authentication {
  public static final int CODE = 10;

  public AuthenticationSasl {
    mechanisms = List.copyOf(mechanisms);
  }

  static AuthenticationSasl decodeMechanisms(ByteBuf body) {
    List<String> mechanisms = new ArrayList<>();
    while (true) {
      String mechanism = Wire.readCString(body);
      if (mechanism.isEmpty()) {
        return new AuthenticationSasl(mechanisms);
      }
      mechanisms.add(mechanism);
    }
  }

  @Override
  public int code() {
    return CODE;
  }

  @Override
  public void encode(ByteBuf out) {
    int length = Wire.begin(out, TYPE);
    out.writeInt(CODE);
    for (String mechanism : mechanisms) {
      Wire.writeCString(out, mechanism);
    }
    out.writeByte(0);
    Wire.end(out, length);
  }
}
