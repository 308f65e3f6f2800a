package org.altdiffusion.io.pytorch;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.altdiffusion.io.CheckpointException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checkpoints whose pickle would run a shell command if Python unpickled it. The fixtures carry a
 * placeholder path; each test patches in a marker path inside its own temp dir (space-padded to the
 * same length, so every length prefix in the pickle stays valid), then checks that reading is
 * refused, that the error names the forbidden global, and that the marker never appears.
 */
class MaliciousCheckpointTest {
  @TempDir Path tmp;

  static Stream<String> evilFiles() {
    List<String> names = new ArrayList<>();
    Fixtures.expected()
        .get("errors")
        .fieldNames()
        .forEachRemaining(
            n -> {
              if (n.startsWith("evil_")) names.add(n);
            });
    assertTrue(names.size() >= 8, names.toString());
    return names.stream();
  }

  @ParameterizedTest
  @MethodSource("evilFiles")
  void refusedWithoutRunningAnything(String name) throws Exception {
    JsonNode expected = Fixtures.expected();
    String placeholder = expected.get("marker_placeholder").asText();
    Path marker = tmp.resolve("marker-" + name);
    String padded = String.format("%-" + placeholder.length() + "s", marker.toString());
    assertEquals(placeholder.length(), padded.length(), "temp path too long for the placeholder");

    Map<String, byte[]> entries = Fixtures.entries(Fixtures.fixture(name));
    String pickleName =
        entries.keySet().stream().filter(n -> n.endsWith("/data.pkl")).findFirst().orElseThrow();
    byte[] pickle = entries.get(pickleName);
    byte[] patched =
        replace(
            pickle,
            placeholder.getBytes(StandardCharsets.US_ASCII),
            padded.getBytes(StandardCharsets.US_ASCII));
    assertTrue(
        indexOf(patched, marker.toString().getBytes(StandardCharsets.US_ASCII)) >= 0,
        "the payload now names our marker");
    entries.put(pickleName, patched);
    Path file = Fixtures.writeZip(tmp.resolve(name), entries);

    CheckpointException e =
        assertThrows(CheckpointException.class, () -> TorchCheckpoint.open(file).close());
    String forbidden = expected.get("errors").get(name).asText();
    assertTrue(e.getMessage().contains(forbidden), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertFalse(Files.exists(marker), "the payload ran: " + marker);
  }

  private static byte[] replace(byte[] data, byte[] from, byte[] to) {
    int at = indexOf(data, from);
    assertTrue(at >= 0, "placeholder not found in the pickle");
    byte[] out = data.clone();
    System.arraycopy(to, 0, out, at, to.length);
    assertEquals(-1, indexOf(out, from), "one placeholder per pickle");
    return out;
  }

  private static int indexOf(byte[] data, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= data.length; i++) {
      for (int j = 0; j < needle.length; j++) if (data[i + j] != needle[j]) continue outer;
      return i;
    }
    return -1;
  }
}
