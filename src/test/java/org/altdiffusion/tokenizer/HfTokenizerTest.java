package org.altdiffusion.tokenizer;

import org.junit.jupiter.api.Test;

class HfTokenizerTest {
  @Test
  void xlmRobertaTokenizerJsonEqualsFastTokenizerForEveryCorpusSentence() {
    ParityCheck.check("tokenizer.json (XLM-R) vs fast", HfTokenizer.load(Fixtures.file("xlmr/tokenizer.json")), "xlmr_cases.jsonl", "fast");
  }

  @Test
  void clipTokenizerJsonEqualsFastTokenizerForEveryCorpusSentence() {
    ParityCheck.check("tokenizer.json (CLIP) vs fast", HfTokenizer.load(Fixtures.file("clip/tokenizer.json")), "clip_cases.jsonl", "fast");
  }
}
