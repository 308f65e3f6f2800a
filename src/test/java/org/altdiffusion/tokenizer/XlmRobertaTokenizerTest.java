package org.altdiffusion.tokenizer;

import org.junit.jupiter.api.Test;

class XlmRobertaTokenizerTest {
  @Test
  void idsEqualXlmRobertaTokenizerForEveryCorpusSentence() {
    ParityCheck.check("XlmRobertaTokenizer vs slow", XlmRobertaTokenizer.load(Fixtures.file("xlmr")), "xlmr_cases.jsonl", "slow");
  }
}
