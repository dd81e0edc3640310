package io.pgisolate.proxy.protocol;

/** A message the server sends to a client. */
public interface BackendMessage extends Message {}
