package org.altdiffusion.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compares a tokenizer with recorded reference encodings (max_length 77) for every corpus sentence.
 */
final class ParityCheck {
  static final int MAX_LENGTH = 77;

  private ParityCheck() {}

  /**
   * Checks {@code tokenizer} against the recorded field {@code prefix} ("slow", "fast") of each
   * line of {@code casesFile}; prints the figure and fails listing the first mismatches.
   */
  static void check(String label, PromptTokenizer tokenizer, String casesFile, String prefix) {
    List<JsonNode> cases = Fixtures.lines(casesFile);
    List<String> failures = new ArrayList<>();
    for (JsonNode c : cases) {
      String text = c.get("text").asText();
      long[] expected = Fixtures.padded(c.get(prefix), MAX_LENGTH, tokenizer.padId());
      int expectedMask = c.get(prefix + "_mask").asInt();
      int expectedLength = c.get(prefix + "_len").asInt();
      Encoding e = tokenizer.encode(text, MAX_LENGTH);
      if (!Arrays.equals(expected, e.ids())
          || e.length() != expectedMask
          || e.untruncatedLength() != expectedLength
          || e.truncated() != expectedLength > MAX_LENGTH) {
        failures.add(
            Fixtures.show(text)
                + "\n  expected "
                + Arrays.toString(Arrays.copyOf(expected, expectedMask))
                + " len "
                + expectedLength
                + "\n  actual   "
                + e);
      }
    }
    System.out.printf(
        "%s: %d/%d sentences match the reference%n",
        label, cases.size() - failures.size(), cases.size());
    assertEquals(
        List.of(),
        failures.subList(0, Math.min(8, failures.size())),
        failures.size() + " mismatches");
  }
}
