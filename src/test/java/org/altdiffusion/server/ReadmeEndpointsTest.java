package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's endpoint tables (section "Serving") list exactly the routes the server serves. */
class ReadmeEndpointsTest {
  private static final Pattern ENDPOINT = Pattern.compile("`(GET|POST|DELETE|PUT) (/[^`\\s]*)`");

  @Test
  void theReadmeTablesListEveryRouteAndNoOther() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf("## Serving");
    int end = readme.indexOf("\n## ", start + 1);
    assertTrue(start >= 0 && end > start, "README has a Serving section");
    Set<String> listed = new TreeSet<>();
    for (String line : readme.substring(start, end).split("\n")) {
      if (!line.startsWith("| `")) continue; // table rows only
      Matcher m = ENDPOINT.matcher(line.substring(0, line.indexOf(" |", 2)));
      while (m.find()) listed.add(m.group(1) + " " + m.group(2));
    }
    ApiServer server = Servers.start(Servers.config(), new TestModels(0, 16, "m18"));
    Set<String> served = new TreeSet<>();
    try {
      for (Route r : server.routes()) served.add(r.method + " " + r.template);
    } finally {
      server.close();
    }
    assertEquals(served, listed);
  }
}
