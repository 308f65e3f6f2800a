package org.altdiffusion.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SentencePieceProcessorTest {
  @Test
  void unigramIdsEqualSentencepieceForEveryCorpusSentence() {
    checkAll(SentencePieceProcessor.load(Fixtures.file("xlmr/sentencepiece.bpe.model")), "sp_uni");
  }

  @Test
  void bpeWithByteFallbackIdsEqualSentencepieceForEveryCorpusSentence() {
    checkAll(SentencePieceProcessor.load(Fixtures.file("sp_bpe.model")), "sp_bpe");
  }

  private static void checkAll(SentencePieceProcessor sp, String field) {
    List<String> failures = new ArrayList<>();
    List<JsonNode> cases = Fixtures.lines("xlmr_cases.jsonl");
    for (JsonNode c : cases) {
      String text = c.get("text").asText();
      int[] expected = Fixtures.ints(c.get(field));
      int[] actual = sp.encodeIds(text);
      if (!Arrays.equals(expected, actual)) {
        failures.add(Fixtures.show(text) + "\n  expected " + Arrays.toString(expected) + "\n  actual   " + Arrays.toString(actual)
            + "\n  pieces " + sp.encode(text));
      }
    }
    System.out.printf("sentencepiece %s: %d/%d sentences match%n", field, cases.size() - failures.size(), cases.size());
    assertEquals(List.of(), failures.subList(0, Math.min(5, failures.size())), failures.size() + " mismatches");
  }
}
