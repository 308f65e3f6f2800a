package org.altdiffusion.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.tokenizers.CaptionCorpus;
import org.altdiffusion.tiny.tokenizers.TinyTokenizers;
import org.altdiffusion.tokenizer.ClipTokenizer;
import org.altdiffusion.tokenizer.Encoding;
import org.altdiffusion.tokenizer.XlmRobertaTokenizer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code altdiffusion tiny ...}: the steps of the tiny AltDiffusion recipe on the shapes dataset. */
@Command(name = "tiny", description = "Build the tiny AltDiffusion from the synthetic shapes dataset, step by step.",
    subcommands = {TinyCommand.Tokenizers.class, CommandLine.HelpCommand.class})
final class TinyCommand implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** {@code tiny tokenizers --out DIR}: trains both tokenizers from the captions. */
  @Command(name = "tokenizers", description = {
      "Train the two tokenizers from the dataset's captions (TRAIN split) and write them:",
      "DIR/multilingual (XLM-R style sentencepiece unigram model, 18 languages) and",
      "DIR/english (CLIP byte-level BPE, English captions). Every caption of the dataset is",
      "checked to encode without <unk>."})
  static final class Tokenizers implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created if absent).")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Dataset seed (fixes the held-out captions left out of training). Default ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--vocab-size", defaultValue = "" + TinyTokenizers.DEFAULT_VOCAB_SIZE,
        description = "Sentencepiece vocabulary size (meta pieces included). Default ${DEFAULT-VALUE}.")
    int vocabSize;

    @Option(names = "--ids", paramLabel = "FILE.jsonl",
        description = "Also write every caption with its ids from both tokenizers (padded to model_max_length), "
            + "for tools/reference/check_tiny_tokenizer.py.")
    Path ids;

    @Override
    public Integer call() throws IOException {
      if (vocabSize < 300 || vocabSize > 100_000) throw new IllegalArgumentException("--vocab-size must be 300..100000, got " + vocabSize);
      long start = System.nanoTime();
      TinyTokenizers.Summary s = TinyTokenizers.build(out, seed, vocabSize);
      System.out.printf("multilingual: %d ids (%d characters), %.2f tokens per caption (longest %d) -> %s%n",
          s.multilingualVocab(), s.characters(), s.multilingualTokens(), s.multilingualLongest(), out.resolve(TinyTokenizers.MULTILINGUAL));
      System.out.printf("english: %d ids (%d merges), %.2f tokens per caption (longest %d) -> %s%n",
          s.englishVocab(), s.merges(), s.englishTokens(), s.englishLongest(), out.resolve(TinyTokenizers.ENGLISH));
      System.out.printf("checked %d captions: no <unk>, none truncated (%.1f s)%n", s.captionsChecked(), (System.nanoTime() - start) / 1e9);
      if (ids != null) writeIds();
      return 0;
    }

    private void writeIds() throws IOException {
      XlmRobertaTokenizer xlmr = XlmRobertaTokenizer.load(out.resolve(TinyTokenizers.MULTILINGUAL));
      ClipTokenizer clip = ClipTokenizer.load(out.resolve(TinyTokenizers.ENGLISH));
      ObjectMapper json = new ObjectMapper();
      if (ids.toAbsolutePath().getParent() != null) Files.createDirectories(ids.toAbsolutePath().getParent());
      java.util.Set<String> training = new java.util.HashSet<>(CaptionCorpus.multilingual(seed));
      int n = 0;
      try (BufferedWriter w = Files.newBufferedWriter(ids, StandardCharsets.UTF_8)) {
        for (CaptionCorpus.Caption c : CaptionCorpus.everyCaption()) {
          ObjectNode line = json.createObjectNode();
          line.put("language", c.language().code());
          line.put("template", c.template().key());
          line.put("text", c.text());
          line.put("in_training", training.contains(c.text()));
          putIds(line.putObject("multilingual"), xlmr.encode(c.text()));
          if (c.language() == Language.EN) putIds(line.putObject("english"), clip.encode(c.text()));
          w.write(json.writeValueAsString(line));
          w.write('\n');
          n++;
        }
      }
      System.out.printf("wrote the ids of %d captions to %s%n", n, ids);
    }

    private static void putIds(ObjectNode node, Encoding e) {
      var idArray = node.putArray("input_ids");
      for (long id : e.ids()) idArray.add(id);
      var maskArray = node.putArray("attention_mask");
      for (long m : e.attentionMask()) maskArray.add(m);
    }
  }
}
