package io.pgisolate.lease;

import io.pgisolate.PgIsolateException;
import io.pgisolate.sql.PgServer;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/** The PostgreSQL server options ({@code --backend}, {@code --server}) as pgjdbc takes them. */
final class ServerUrl {
  private ServerUrl() {}

  /**
   * {@code postgres://user:password@host:port/db?params} → {@code
   * jdbc:postgresql://host:port/db?params}, user and password into {@code properties}; a {@code
   * jdbc:postgresql:} URL is taken as it is. {@code option} names the option in messages.
   */
  static String jdbcUrl(String url, String option, Properties properties) {
    if (url.startsWith("jdbc:postgresql:")) {
      return url;
    }
    if (!url.startsWith("postgres://") && !url.startsWith("postgresql://")) {
      throw new PgIsolateException(
          option
              + " '"
              + PgServer.redacted(url)
              + "' is not a postgres:// URI or jdbc:postgresql:// URL. Hint: e.g."
              + " postgres://ci:secret@db.internal:5432/postgres");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new PgIsolateException(
          option
              + " '"
              + PgServer.redacted(url)
              + "' is not a valid URI: "
              + e.getReason()
              + ". Hint: percent-encode special characters in the password.",
          e);
    }
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      properties.setProperty("user", URLDecoder.decode(parts[0], StandardCharsets.UTF_8));
      if (parts.length == 2) {
        properties.setProperty("password", URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
      }
    }
    String host = uri.getHost() == null ? "localhost" : uri.getHost();
    String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    return "jdbc:postgresql://" + host + port + path + query;
  }
}
