package org.altdiffusion.image;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The image package stays below the layers that use it. */
class ImagePackageTest {
  private static final Pattern FORBIDDEN =
      Pattern.compile("org\\.altdiffusion\\.(pipeline|server|train|tiny|app)\\b");

  @Test
  void importsNoLayerAboveIt() throws IOException {
    Path dir = Path.of("src/main/java/org/altdiffusion/image");
    assertTrue(Files.isDirectory(dir), "run from the project root: " + dir.toAbsolutePath());
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = FORBIDDEN.matcher(Files.readString(f));
        while (m.find()) found.add(f.getFileName() + ": " + m.group());
      }
    }
    assertEquals(List.of(), found);
  }
}
