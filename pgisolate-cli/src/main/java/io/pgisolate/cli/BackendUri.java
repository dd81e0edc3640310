package io.pgisolate.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * An existing PostgreSQL server to relay to, from a libpq-style URI: {@code
 * postgres://user:password@host:port/database} (scheme postgres or postgresql; port default 5432;
 * database default the user; user name and password percent-encoded).
 *
 * @param password null when none is given (the server trusts the proxy)
 */
record BackendUri(String host, int port, String user, String password, String database) {

  static BackendUri parse(String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw invalid(text, e.getReason());
    }
    if (!"postgres".equals(uri.getScheme()) && !"postgresql".equals(uri.getScheme())) {
      throw invalid(text, "it must start with postgres:// or postgresql://");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw invalid(text, "it names no host");
    }
    String userInfo = uri.getRawUserInfo();
    if (userInfo == null || userInfo.isEmpty() || userInfo.startsWith(":")) {
      throw invalid(text, "it names no user (postgres://USER:PASSWORD@host:port/database)");
    }
    int colon = userInfo.indexOf(':');
    String user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
    String password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String database = path.length() > 1 ? decode(path.substring(1)) : user;
    if (uri.getRawQuery() != null) {
      throw invalid(text, "query parameters (?" + uri.getRawQuery() + ") are not supported");
    }
    return new BackendUri(
        uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), user, password, database);
  }

  /** The URI without the password, for messages. */
  String redacted() {
    return "postgres://" + user + "@" + host + ":" + port + "/" + database;
  }

  private static String decode(String text) {
    return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static IllegalArgumentException invalid(String text, String why) {
    String shown = text.replaceFirst("(//[^:/@]*:)[^@/]*@", "$1***@");
    return new IllegalArgumentException(
        "invalid --backend '"
            + shown
            + "': "
            + why
            + ". Hint: --backend postgres://user:password@host:5432/database");
  }
}
