package io.pgisolate.proxy.auth;

import io.pgisolate.proxy.protocol.BackendMessage;
import io.pgisolate.proxy.protocol.backend.AuthenticationOk;
import io.pgisolate.proxy.protocol.frontend.AuthenticationResponse;
import java.util.List;

/** Trust: AuthenticationOk straight away. */
final class TrustExchange implements ClientAuthentication.Exchange {
  @Override
  public List<BackendMessage> start() {
    return List.of(AuthenticationOk.INSTANCE);
  }

  @Override
  public List<BackendMessage> next(AuthenticationResponse response) {
    throw new AuthenticationFailure("08P01", "unexpected password message: none was requested");
  }

  @Override
  public boolean done() {
    return true;
  }
}
