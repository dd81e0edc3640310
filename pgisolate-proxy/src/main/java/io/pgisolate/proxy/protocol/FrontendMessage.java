package io.pgisolate.proxy.protocol;

/** A message a client sends to the server. */
public interface FrontendMessage extends Message {}
