package org.altdiffusion.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The web page's files, read once from the classpath ({@code /web/}) into memory. Only this fixed
 * list is served; no request path is ever turned into a file name.
 */
final class StaticAssets {
  /** URL path -> resource name and content type. */
  static final Map<String, String[]> FILES = new LinkedHashMap<>();

  static {
    FILES.put("/", new String[] {"index.html", "text/html; charset=utf-8"});
    FILES.put("/app.js", new String[] {"app.js", "text/javascript; charset=utf-8"});
    FILES.put("/style.css", new String[] {"style.css", "text/css; charset=utf-8"});
  }

  private final Map<String, byte[]> content = new LinkedHashMap<>();

  StaticAssets() {
    for (Map.Entry<String, String[]> e : FILES.entrySet())
      content.put(e.getKey(), load(e.getValue()[0]));
  }

  private static byte[] load(String name) {
    try (InputStream in = StaticAssets.class.getResourceAsStream("/web/" + name)) {
      if (in == null)
        throw new IllegalStateException("web asset /web/" + name + " is missing from the jar");
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Reply reply(String path) {
    return Reply.bytes(FILES.get(path)[1], content.get(path));
  }
}
