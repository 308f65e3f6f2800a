package org.altdiffusion.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The reference fixtures written by tools/reference/make_tokenizer_fixtures.py. */
final class Fixtures {
  static final ObjectMapper JSON = new ObjectMapper();

  private Fixtures() {}

  static Path dir() {
    try {
      return Path.of(Fixtures.class.getResource("/fixtures/tokenizer/manifest.json").toURI())
          .getParent();
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("tokenizer fixtures missing from the test classpath", e);
    }
  }

  static Path file(String name) {
    return dir().resolve(name);
  }

  static JsonNode manifest() {
    return read(file("manifest.json"));
  }

  static JsonNode read(Path p) {
    try {
      return JSON.readTree(p.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One JSON object per line. */
  static List<JsonNode> lines(String name) {
    try {
      List<JsonNode> out = new ArrayList<>();
      for (String line : Files.readAllLines(file(name))) {
        if (!line.isBlank()) out.add(JSON.readTree(line));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
    return out;
  }

  /** The ids recorded without their trailing padding, padded back to {@code maxLength}. */
  static long[] padded(JsonNode trimmed, int maxLength, int padId) {
    long[] out = new long[maxLength];
    java.util.Arrays.fill(out, padId);
    for (int i = 0; i < trimmed.size(); i++) out[i] = trimmed.get(i).asLong();
    return out;
  }

  static String show(String text) {
    StringBuilder b = new StringBuilder();
    text.codePoints()
        .limit(60)
        .forEach(
            cp -> {
              if (cp < 0x20
                  || (cp >= 0x7F && cp < 0xA0)
                  || Character.getType(cp) == Character.FORMAT)
                b.append(String.format("\\u%04x", cp));
              else b.appendCodePoint(cp);
            });
    return b.toString();
  }
}
