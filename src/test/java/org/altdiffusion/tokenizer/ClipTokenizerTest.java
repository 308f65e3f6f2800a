package org.altdiffusion.tokenizer;

import org.junit.jupiter.api.Test;

class ClipTokenizerTest {
  @Test
  void idsEqualClipTokenizerForEveryCorpusSentence() {
    ParityCheck.check("ClipTokenizer vs slow", ClipTokenizer.load(Fixtures.file("clip")), "clip_cases.jsonl", "slow");
  }
}
