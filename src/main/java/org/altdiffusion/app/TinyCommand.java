package org.altdiffusion.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.altdiffusion.tiny.clip.ClipRetrieval;
import org.altdiffusion.tiny.clip.TinyClipConfig;
import org.altdiffusion.tiny.clip.TinyClipTrainer;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Split;
import org.altdiffusion.tiny.tokenizers.CaptionCorpus;
import org.altdiffusion.tiny.tokenizers.ClipBpeTrainer;
import org.altdiffusion.tiny.tokenizers.TinyTokenizers;
import org.altdiffusion.tokenizer.ClipTokenizer;
import org.altdiffusion.tokenizer.Encoding;
import org.altdiffusion.tokenizer.XlmRobertaTokenizer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code altdiffusion tiny ...}: the steps of the tiny AltDiffusion recipe on the shapes dataset.
 */
@Command(
    name = "tiny",
    description = "Build the tiny AltDiffusion from the synthetic shapes dataset, step by step.",
    subcommands = {
      TinyCommand.Tokenizers.class,
      TinyCommand.TrainClip.class,
      CommandLine.HelpCommand.class
    })
final class TinyCommand implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** {@code tiny tokenizers --out DIR}: trains both tokenizers from the captions. */
  @Command(
      name = "tokenizers",
      description = {
        "Train the student's and the teacher's tokenizers from the captions.",
        "Trains on the TRAIN split's captions and writes DIR/multilingual (XLM-R style"
            + " sentencepiece unigram model, 18 languages) and DIR/english (CLIP byte-level BPE,"
            + " English captions); every caption of the dataset is checked to encode without <unk>."
      })
  static final class Tokenizers implements Callable<Integer> {
    @Option(
        names = "--out",
        required = true,
        paramLabel = "DIR",
        description = "Output folder (created if absent).")
    Path out;

    @Option(
        names = "--seed",
        defaultValue = "0",
        description =
            "Dataset seed (fixes the held-out captions left out of training). Default"
                + " ${DEFAULT-VALUE}.")
    long seed;

    @Option(
        names = "--vocab-size",
        defaultValue = "" + TinyTokenizers.DEFAULT_VOCAB_SIZE,
        description =
            "Sentencepiece vocabulary size (meta pieces included). Default ${DEFAULT-VALUE}.")
    int vocabSize;

    @Option(
        names = "--ids",
        paramLabel = "FILE.jsonl",
        description =
            "Also write every caption with its ids from both tokenizers (padded to"
                + " model_max_length), for tools/reference/check_tiny_tokenizer.py.")
    Path ids;

    @Override
    public Integer call() throws IOException {
      if (vocabSize < 300 || vocabSize > 100_000)
        throw new IllegalArgumentException("--vocab-size must be 300..100000, got " + vocabSize);
      long start = System.nanoTime();
      TinyTokenizers.Summary s = TinyTokenizers.build(out, seed, vocabSize);
      System.out.printf(
          "multilingual: %d ids (%d characters), %.2f tokens per caption (longest %d) -> %s%n",
          s.multilingualVocab(),
          s.characters(),
          s.multilingualTokens(),
          s.multilingualLongest(),
          out.resolve(TinyTokenizers.MULTILINGUAL));
      System.out.printf(
          "english: %d ids (%d merges), %.2f tokens per caption (longest %d) -> %s%n",
          s.englishVocab(),
          s.merges(),
          s.englishTokens(),
          s.englishLongest(),
          out.resolve(TinyTokenizers.ENGLISH));
      System.out.printf(
          "checked %d captions: no <unk>, none truncated (%.1f s)%n",
          s.captionsChecked(), (System.nanoTime() - start) / 1e9);
      if (ids != null) writeIds();
      return 0;
    }

    private void writeIds() throws IOException {
      XlmRobertaTokenizer xlmr = XlmRobertaTokenizer.load(out.resolve(TinyTokenizers.MULTILINGUAL));
      ClipTokenizer clip = ClipTokenizer.load(out.resolve(TinyTokenizers.ENGLISH));
      ObjectMapper json = new ObjectMapper();
      if (ids.toAbsolutePath().getParent() != null)
        Files.createDirectories(ids.toAbsolutePath().getParent());
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

  /** {@code tiny train-clip --out DIR}: trains the English teacher CLIP. */
  @Command(
      name = "train-clip",
      description = {
        "Train the English teacher CLIP and report held-out retrieval.",
        "Trains the text tower (CLIPTextModel) and a small CNN image tower contrastively on the"
            + " TRAIN split's English captions, then reports attribute-level retrieval on held-out"
            + " combinations. Writes DIR (text_encoder/, image_encoder/, tokenizer/,"
            + " projections.safetensors, config.json) and DIR/training.json (settings, time,"
            + " losses, retrieval)."
      })
  static final class TrainClip implements Callable<Integer> {
    @Option(
        names = "--out",
        required = true,
        paramLabel = "DIR",
        description = "Output folder (created if absent).")
    Path out;

    @Option(
        names = "--tokenizer",
        paramLabel = "DIR",
        description =
            "CLIP tokenizer folder (the english/ folder of 'tiny tokenizers'). Default: train it"
                + " from the captions.")
    Path tokenizer;

    @Option(
        names = "--steps",
        defaultValue = "2000",
        description = "Optimizer steps (the most, with --minutes). Default ${DEFAULT-VALUE}.")
    int steps;

    @Option(
        names = "--minutes",
        defaultValue = "0",
        description =
            "Time budget (0 = none): training stops when it is spent, and the learning-rate"
                + " schedule follows the clock when that is ahead of the step count. Default"
                + " ${DEFAULT-VALUE}.")
    double minutes;

    @Option(
        names = "--batch-size",
        defaultValue = "128",
        description = "Pictures per step. Default ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(
        names = "--lr",
        defaultValue = "2e-3",
        description = "Peak learning rate (AdamW). Default ${DEFAULT-VALUE}.")
    double learningRate;

    @Option(
        names = "--seed",
        defaultValue = "0",
        description = "Initialisation and batch order. Default ${DEFAULT-VALUE}.")
    long seed;

    @Option(
        names = "--data-seed",
        defaultValue = "0",
        description = "Dataset seed (which combinations are held out). Default ${DEFAULT-VALUE}.")
    long dataSeed;

    @Option(
        names = "--threads",
        defaultValue = "1",
        description =
            "Torch threads. Default ${DEFAULT-VALUE}: these small layers are dominated by"
                + " per-operation synchronisation; on 2 cores one thread was as fast as two when"
                + " the machine was quiet and several times faster when it was busy.")
    int threads;

    @Override
    public Integer call() throws IOException {
      if (threads < 1 || threads > 1024)
        throw new IllegalArgumentException("--threads must be 1..1024, got " + threads);
      if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
      if (!(minutes >= 0))
        throw new IllegalArgumentException("--minutes must be >= 0, got " + minutes);
      if (batchSize < 2 || batchSize > 4096)
        throw new IllegalArgumentException("--batch-size must be 2..4096, got " + batchSize);
      if (!(learningRate > 0 && learningRate < 1))
        throw new IllegalArgumentException("--lr must be in (0, 1), got " + learningRate);
      Path tokenizerFolder = tokenizer;
      if (tokenizerFolder == null) {
        tokenizerFolder = Files.createTempDirectory("tiny-clip-tokenizer");
        TinyTokenizers.writeEnglish(
            tokenizerFolder,
            CaptionCorpus.english(dataSeed),
            ClipBpeTrainer.Options.defaults(),
            TinyTokenizers.MODEL_MAX_LENGTH);
      }
      ClipTokenizer clipTokenizer = ClipTokenizer.load(tokenizerFolder);
      int vocab = Math.max(clipTokenizer.eosId(), clipTokenizer.bosId()) + 1;
      TinyClipConfig config =
          TinyClipConfig.defaults(
              vocab, clipTokenizer.bosId(), clipTokenizer.eosId(), clipTokenizer.modelMaxLength());
      TinyClipTrainer.Options options =
          new TinyClipTrainer.Options(
              seed,
              dataSeed,
              steps,
              minutes,
              batchSize,
              learningRate,
              0.05,
              0.05,
              ShapesDataset.of(dataSeed, Split.TRAIN).size(),
              0);
      System.out.printf(
          "teacher CLIP: text %d layers x %d, image %s, shared %d; %s%n",
          config.text().numHiddenLayers(),
          config.text().hiddenSize(),
          config.image().blockOutChannels(),
          config.projectionDim(),
          org.altdiffusion.engine.Torch.init(
              new org.altdiffusion.engine.ThreadSettings(threads, 1)));
      TinyClipTrainer.Result r =
          TinyClipTrainer.train(config, tokenizerFolder, options, System.out::println);
      if (tokenizer == null)
        deleteFolder(tokenizerFolder); // the teacher keeps its own copy (DIR/tokenizer)
      System.out.printf(
          "trained %d steps in %.1f s (%.2f s per step); loss %.3f -> %.3f (means of the first and"
              + " last 20 steps)%n",
          r.steps(), r.seconds(), r.seconds() / r.steps(), r.meanFirst(20), r.meanLast(20));
      r.clip().save(out);
      long start = System.nanoTime();
      ClipRetrieval.Report report =
          ClipRetrieval.evaluate(
              r.clip(),
              dataSeed,
              ShapesDataset.of(dataSeed, Split.HELDOUT).size(),
              ShapesDataset.of(dataSeed, Split.VALIDATION).size());
      System.out.println(report);
      System.out.printf(
          "evaluated in %.1f s; saved to %s%n", (System.nanoTime() - start) / 1e9, out);
      writeSummary(options, r, report);
      return 0;
    }

    private static void deleteFolder(Path folder) throws IOException {
      try (var files = Files.list(folder)) {
        for (Path f : files.toList()) Files.delete(f);
      }
      Files.delete(folder);
    }

    private void writeSummary(
        TinyClipTrainer.Options options, TinyClipTrainer.Result r, ClipRetrieval.Report report)
        throws IOException {
      ObjectMapper json = new ObjectMapper();
      ObjectNode o = json.createObjectNode();
      o.set("options", json.valueToTree(options));
      o.put("steps", r.steps());
      o.put("seconds", r.seconds());
      o.put("threads", String.valueOf(org.altdiffusion.engine.Torch.applied()));
      o.put("loss_first_20", r.meanFirst(20));
      o.put("loss_last_20", r.meanLast(20));
      o.set("losses", json.valueToTree(r.losses()));
      o.set("retrieval", json.valueToTree(report));
      Files.writeString(
          out.resolve("training.json"),
          json.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
    }
  }
}
