package org.altdiffusion.tiny.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.ThreadSettings;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.models.text.Activation;
import org.altdiffusion.models.text.ClipTextConfig;
import org.altdiffusion.models.text.ClipTextModel;
import org.altdiffusion.nn.Parameter;
import org.altdiffusion.tiny.data.Attributes;
import org.altdiffusion.tiny.data.CaptionTemplate;
import org.altdiffusion.tiny.data.Colour;
import org.altdiffusion.tiny.data.Position;
import org.altdiffusion.tiny.data.Shape;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Size;
import org.altdiffusion.tiny.data.Split;
import org.altdiffusion.tiny.tokenizers.CaptionCorpus;
import org.altdiffusion.tiny.tokenizers.ClipBpeTrainer;
import org.altdiffusion.tiny.tokenizers.TinyTokenizers;
import org.altdiffusion.tokenizer.ClipTokenizer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The teacher CLIP on a small configuration: loss, training, save/load, and parity of the saved
 * folder with the reference.
 */
class TinyClipTest {
  /** Where the test leaves a small seeded teacher for tools/reference/check_tiny_clip.py. */
  static final Path WRITTEN = Path.of("target", "tiny-clip-written-by-java");

  static final List<String> CAPTIONS =
      List.of(
          "a red circle",
          "a small blue square on the left",
          "an orange heart at the top",
          "a large black star in the centre",
          "a green triangle on the right");

  @TempDir static Path tokenizerDir;
  static TinyClipConfig config;

  @BeforeAll
  static void setUp() {
    // One torch thread: these small models are dominated by per-op synchronisation, which two
    // threads on a busy 2-core machine make several times slower.
    Torch.init(new ThreadSettings(1, 1));
    TinyTokenizers.writeEnglish(
        tokenizerDir, CaptionCorpus.english(0), ClipBpeTrainer.Options.defaults(), 32);
    ClipTokenizer t = ClipTokenizer.load(tokenizerDir);
    int vocab = t.eosId() + 1;
    ClipTextConfig text =
        new ClipTextConfig(
            vocab,
            32,
            64,
            24,
            2,
            2,
            32,
            Activation.QUICK_GELU,
            1e-5,
            t.eosId(),
            t.bosId(),
            t.eosId());
    config =
        new TinyClipConfig(
            24,
            TinyClipConfig.DEFAULT_LOGIT_SCALE,
            text,
            new TinyImageEncoderConfig(64, 3, 4, List.of(8, 16), 4, 32, 1e-5));
  }

  @AfterAll
  static void restoreThreads() {
    Torch.init();
  }

  /** Deterministic pictures both here and in Python: sin(0.0123 * arange) as [2, 3, 64, 64]. */
  static Tensor probePixels() {
    return torch
        .arange(new Scalar(2 * 3 * 64 * 64), Tensors.floatOptions())
        .mul(new Scalar(0.0123))
        .sin()
        .view(2, 3, 64, 64);
  }

  @Test
  void savedTeacherMatchesTheReferenceAndReloadsBitIdentically(@TempDir Path again)
      throws Exception {
    TinyClip clip = TinyClip.create(config, tokenizerDir, 7);
    Files.createDirectories(WRITTEN);
    clip.save(WRITTEN);
    try (PointerScope scope = new PointerScope()) {
      writeOutputs(clip, WRITTEN.resolve("java_outputs.json"));
      compareWithReference(clip);

      TinyClip loaded = TinyClip.load(WRITTEN);
      Map<String, Parameter> a = clip.namedParameters();
      Map<String, Parameter> b = loaded.namedParameters();
      assertEquals(a.keySet(), b.keySet());
      for (String k : a.keySet())
        assertEquals(0.0, Tensors.maxAbsDiff(a.get(k).get(), b.get(k).get()), k);
      assertEquals(0.0, Tensors.maxAbsDiff(clip.encodeText(CAPTIONS), loaded.encodeText(CAPTIONS)));
      loaded.save(again);
      try (var files = Files.walk(WRITTEN)) {
        for (Path f :
            files
                .filter(Files::isRegularFile)
                .filter(f -> !f.getFileName().toString().endsWith("outputs.json"))
                .toList()) {
          assertArrayEquals(
              Files.readAllBytes(f),
              Files.readAllBytes(again.resolve(WRITTEN.relativize(f))),
              f.toString());
        }
      }
      // The text tower is a plain transformers CLIPTextModel folder.
      ClipTextModel text = ClipTextModel.fromPretrained(again.resolve(TinyClip.TEXT_ENCODER));
      assertEquals(config.text(), text.config);
    }
  }

  private static void writeOutputs(TinyClip clip, Path file) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode out = json.createObjectNode();
    out.set("captions", json.valueToTree(CAPTIONS));
    out.set("pooled_text", rows(json, clip.pooledText(CAPTIONS)));
    out.set("text_embeds", rows(json, clip.encodeText(CAPTIONS)));
    out.set("image_embeds", rows(json, clip.encodeImage(probePixels())));
    Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(out));
  }

  private static ArrayNode rows(ObjectMapper json, Tensor t) {
    ArrayNode a = json.createArrayNode();
    float[] v = Tensors.toFloats(t);
    for (float f : v) a.add(f);
    return a;
  }

  /**
   * Reference values from transformers' CLIPTextModel and a PyTorch image tower (check_tiny_clip.py
   * --write-fixture).
   */
  private static void compareWithReference(TinyClip clip) throws Exception {
    JsonNode ref =
        new ObjectMapper()
            .readTree(TinyClipTest.class.getResourceAsStream("/fixtures/tiny/clip_reference.json"));
    assertEquals(CAPTIONS, new ObjectMapper().convertValue(ref.get("captions"), List.class));
    assertClose(ref.get("pooled_text"), clip.pooledText(CAPTIONS), 2e-5, "pooled text");
    assertClose(ref.get("text_embeds"), clip.encodeText(CAPTIONS), 2e-5, "text embeddings");
    assertClose(ref.get("image_embeds"), clip.encodeImage(probePixels()), 2e-5, "image embeddings");
    assertEquals(ref.get("logit_scale").asDouble(), Tensors.toFloats(clip.logitScale())[0], 0.0);
  }

  private static void assertClose(JsonNode expected, Tensor actual, double tolerance, String what) {
    float[] a = Tensors.toFloats(actual);
    assertEquals(expected.size(), a.length, what);
    double max = 0;
    for (int i = 0; i < a.length; i++)
      max = Math.max(max, Math.abs(a[i] - expected.get(i).asDouble()));
    assertTrue(max <= tolerance, what + ": max abs error " + max);
  }

  @Test
  void aFewTrainingStepsReduceTheLossOnAFixedBatch() {
    TinyClip clip = TinyClip.create(config, tokenizerDir, 1);
    TinyClipTrainer.Batches probe =
        new TinyClipTrainer.Batches(ShapesDataset.of(0, Split.TRAIN), 32, 32, 99);
    try (PointerScope scope = new PointerScope()) {
      TinyClipTrainer.Batch batch = probe.next();
      double before = batchLoss(clip, batch);
      TinyClipTrainer.Options options =
          new TinyClipTrainer.Options(1, 0, 15, 0, 32, 3e-3, 0.05, 0.1, 32, 0);
      TinyClipTrainer.Result r = TinyClipTrainer.train(clip, options, s -> {});
      assertEquals(15, r.steps());
      double after = batchLoss(clip, batch);
      assertTrue(after < 0.8 * before, "loss on the training batch " + before + " -> " + after);
      assertTrue(
          r.meanLast(3) < r.meanFirst(3),
          "training loss " + r.meanFirst(3) + " -> " + r.meanLast(3));
    }
  }

  @Test
  void trainingWithoutATimeBudgetIsReproducible() {
    TinyClipTrainer.Options options =
        new TinyClipTrainer.Options(4, 0, 4, 0, 8, 3e-3, 0.05, 0.1, 16, 0);
    TinyClip a = TinyClipTrainer.train(config, tokenizerDir, options, s -> {}).clip();
    TinyClip b = TinyClipTrainer.train(config, tokenizerDir, options, s -> {}).clip();
    try (PointerScope scope = new PointerScope()) {
      for (var e : a.namedParameters().entrySet()) {
        assertEquals(
            0.0,
            Tensors.maxAbsDiff(e.getValue().get(), b.namedParameters().get(e.getKey()).get()),
            e.getKey());
      }
    }
  }

  private static double batchLoss(TinyClip clip, TinyClipTrainer.Batch b) {
    try (var g = new org.bytedeco.pytorch.NoGradGuard()) {
      Tensor[] t = clip.tokenizeTrimmed(b.captions());
      return clip.contrastiveLoss(b.pixels(), t[0], t[1], b.positives()).item_double();
    }
  }

  @Test
  void contrastiveLossIsTheSymmetricCrossEntropyOverPositives() {
    TinyClip clip = TinyClip.create(config, tokenizerDir, 3);
    try (PointerScope scope = new PointerScope()) {
      Tensor pixels = probePixels();
      List<String> texts = List.of("a red circle", "a blue square");
      Tensor[] t = clip.tokenizeTrimmed(texts);
      float[] positive = {
        1, 0, 1, 1
      }; // [image][text]: text 0 describes both pictures, text 1 only picture 1
      double loss =
          clip.contrastiveLoss(pixels, t[0], t[1], Tensors.fromFloats(positive, 2, 2))
              .item_double();
      float[] img = Tensors.toFloats(clip.encodeImage(pixels));
      float[] txt = Tensors.toFloats(clip.encodeText(texts));
      double scale = Math.exp(Tensors.toFloats(clip.logitScale())[0]);
      int d = config.projectionDim();
      double[][] logits = new double[2][2];
      for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
          double s = 0;
          for (int k = 0; k < d; k++) s += img[i * d + k] * txt[j * d + k];
          logits[i][j] = scale * s;
        }
      // image 0: positives {text 0}; image 1: {text 0, text 1} half each. text 0: {image 0, image
      // 1}; text 1: {image 1}.
      double images =
          -(logSoftmax(logits[0][0], logits[0][1], 0))
              - 0.5
                  * (logSoftmax(logits[1][0], logits[1][1], 0)
                      + logSoftmax(logits[1][0], logits[1][1], 1));
      double textsLoss =
          -0.5
                  * (logSoftmax(logits[0][0], logits[1][0], 0)
                      + logSoftmax(logits[0][0], logits[1][0], 1))
              - logSoftmax(logits[0][1], logits[1][1], 1);
      assertEquals((images / 2 + textsLoss / 2) / 2, loss, 1e-5);
    }
  }

  private static double logSoftmax(double a, double b, int which) {
    double m = Math.max(a, b);
    double z = m + Math.log(Math.exp(a - m) + Math.exp(b - m));
    return (which == 0 ? a : b) - z;
  }

  @Test
  void embeddingsHaveUnitLengthAndScoreIsTheirCosine() {
    TinyClip clip = TinyClip.create(config, tokenizerDir, 5);
    try (PointerScope scope = new PointerScope()) {
      float[] txt = Tensors.toFloats(clip.encodeText(CAPTIONS));
      int d = config.projectionDim();
      for (int r = 0; r < CAPTIONS.size(); r++) {
        double n = 0;
        for (int k = 0; k < d; k++) n += txt[r * d + k] * txt[r * d + k];
        assertEquals(1.0, n, 1e-5);
      }
      Tensor pixels = probePixels();
      float[] img = Tensors.toFloats(clip.encodeImage(pixels));
      double dot = 0;
      for (int k = 0; k < d; k++) dot += img[d + k] * txt[k];
      float[] second = Tensors.toFloats(pixels.narrow(0, 1, 1).contiguous());
      assertEquals(dot, clip.score(second, CAPTIONS.get(0)), 1e-5);
      assertEquals(2, clip.scores(pixels, CAPTIONS.subList(0, 2)).length);
      assertEquals(
          32,
          clip.textHiddenStates(CAPTIONS).size(1)); // UNet conditioning: padded to model_max_length
      assertEquals(config.text().hiddenSize(), clip.pooledText(CAPTIONS).size(1));
    }
  }

  @Test
  void captionsDescribeThePicturesTheirTemplateCannotTellApart() {
    Attributes shown = new Attributes(Shape.CIRCLE, Colour.RED, Position.LEFT, Size.SMALL);
    Attributes elsewhere = new Attributes(Shape.CIRCLE, Colour.RED, Position.TOP, Size.LARGE);
    assertTrue(TinyClipTrainer.describes(CaptionTemplate.COLOUR_SHAPE, elsewhere, shown));
    assertTrue(!TinyClipTrainer.describes(CaptionTemplate.SIZE_COLOUR_SHAPE, elsewhere, shown));
    assertTrue(!TinyClipTrainer.describes(CaptionTemplate.COLOUR_SHAPE_POSITION, elsewhere, shown));
    assertTrue(
        !TinyClipTrainer.describes(
            CaptionTemplate.COLOUR_SHAPE,
            new Attributes(Shape.STAR, Colour.RED, Position.LEFT, Size.SMALL),
            shown));
    assertTrue(TinyClipTrainer.describes(CaptionTemplate.FULL, shown, shown));
  }

  @Test
  void learningRateWarmsUpThenDecaysToATenth() {
    TinyClipTrainer.Options o = TinyClipTrainer.Options.defaults(100, 0);
    assertEquals(o.learningRate() / 5, TinyClipTrainer.learningRate(0, 100, o), 1e-12);
    assertEquals(o.learningRate(), TinyClipTrainer.learningRate(5, 100, o), 1e-12);
    assertEquals(o.learningRate() * 0.1, TinyClipTrainer.learningRate(99, 100, o), 1e-12);
    assertTrue(TinyClipTrainer.learningRate(50, 100, o) < o.learningRate());
  }

  @Test
  void badInputIsNamed(@TempDir Path empty) {
    TinyClip clip = TinyClip.create(config, tokenizerDir, 5);
    try (PointerScope scope = new PointerScope()) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  clip.encodeImage(torch.zeros(new long[] {1, 3, 32, 32}, Tensors.floatOptions())));
      assertEquals(
          "image encoder: pixels must be [batch, 3, 64, 64], got [1, 3, 32, 32]", e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> clip.scores(probePixels(), CAPTIONS));
    }
    assertThrows(CheckpointException.class, () -> TinyClip.load(empty.resolve("missing")));
    assertThrows(CheckpointException.class, () -> TinyClip.load(empty));
    assertThrows(
        IllegalArgumentException.class,
        () -> new TinyImageEncoderConfig(64, 3, 2, List.of(8, 12), 8, 32, 1e-5));
    assertThrows(
        IllegalArgumentException.class,
        () -> new TinyImageEncoderConfig(60, 3, 2, List.of(8, 16), 4, 32, 1e-5));
    assertThrows(IllegalArgumentException.class, () -> TinyClipTrainer.Options.defaults(0, 0));
  }
}
