package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.models.text.RobertaSeriesModelWithTransformation;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.schedulers.NoiseSchedule;
import org.altdiffusion.schedulers.SchedulerConfig;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.Sample;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Split;
import org.altdiffusion.tokenizer.PromptTokenizer;
import org.altdiffusion.train.TrainingFixtures;
import org.altdiffusion.train.tasks.DiffusionTraining;
import org.altdiffusion.train.tasks.TextDistillation;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train-unet on the tiny AltDiffusion model and the shapes dataset. */
class TrainUnetCommandTest {
  static final Path MODEL = TrainingFixtures.path("pipeline/tiny-altdiffusion");

  @BeforeAll
  static void init() {
    org.altdiffusion.train.OneThread.use();
  }

  @org.junit.jupiter.api.AfterAll
  static void restoreThreads() {
    org.altdiffusion.train.OneThread.restore();
  }

  static List<String> tinyUnet(Path out, String stage, long steps, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train-unet",
                "--model",
                MODEL.toString(),
                "--stage",
                stage,
                "--data",
                "shapes",
                "--resolution",
                "32",
                "--max-length",
                "24",
                "--out",
                out.toString(),
                "--steps",
                Long.toString(steps),
                "--batch-size",
                "4",
                "--lr",
                "3e-3",
                "--lr-schedule",
                "constant",
                "--ema-decay",
                "0.9",
                "--no-progress",
                "--checkpoint-every",
                "0"));
    args.addAll(List.of(more));
    return args;
  }

  /**
   * Concept alignment trains only the cross-attention K/V projections: every other tensor of the
   * exported pipeline is bit-identical to the base model's, those all changed, and the denoising
   * loss on a fixed batch (fixed noise and timesteps) fell.
   */
  @Test
  void conceptAlignmentChangesOnlyKeyValueProjectionsAndLossFalls(@TempDir Path out)
      throws Exception {
    var outcome =
        TrainingRuns.inProcess(tinyUnet(out, "concept-alignment", 40, "--caption-dropout", "0"));
    assertEquals(0, outcome.code(), outcome.stderr());
    Path trained = out.resolve("final/unet/diffusion_pytorch_model.safetensors");
    Map<String, byte[]> before =
        TrainingRuns.rawTensors(MODEL.resolve("unet/diffusion_pytorch_model.safetensors"));
    Map<String, byte[]> after = TrainingRuns.rawTensors(trained);
    assertEquals(before.keySet(), after.keySet());
    int trainedTensors = 0;
    for (String k : before.keySet()) {
      boolean kv = k.endsWith(".attn2.to_k.weight") || k.endsWith(".attn2.to_v.weight");
      if (kv) {
        trainedTensors++;
        assertFalse(java.util.Arrays.equals(before.get(k), after.get(k)), k + " did not change");
      } else {
        assertArrayEquals(before.get(k), after.get(k), k + " changed although frozen");
      }
    }
    assertTrue(trainedTensors >= 4, "K/V tensors found: " + trainedTensors);
    for (String component :
        List.of(
            "vae/diffusion_pytorch_model.safetensors",
            "text_encoder/model.safetensors",
            "scheduler/scheduler_config.json",
            "model_index.json",
            "tokenizer/sentencepiece.bpe.model")) {
      assertArrayEquals(
          Files.readAllBytes(MODEL.resolve(component)),
          Files.readAllBytes(out.resolve("final").resolve(component)),
          component);
    }
    double lossBefore = fixedBatchLoss(UNet2DConditionModel.fromPretrained(MODEL.resolve("unet")));
    double lossAfter =
        fixedBatchLoss(UNet2DConditionModel.fromPretrained(out.resolve("final/unet")));
    System.out.printf(
        "concept alignment, 40 steps: fixed-batch loss %.5f -> %.5f (%d K/V tensors trained)%n",
        lossBefore, lossAfter, trainedTensors);
    assertTrue(lossAfter < lossBefore, "loss did not fall: " + lossBefore + " -> " + lossAfter);
    assertTrue(Files.size(out.resolve("loss.png")) > 1000);
    // the export is a pipeline folder our loader runs (diffusers loads it too: see
    // docs/training.md)
    var pipeline = org.altdiffusion.pipeline.PipelineLoader.load(out.resolve("final-ema"));
    var images =
        pipeline.generate(
            org.altdiffusion.pipeline.GenerationRequest.builder("a red circle")
                .steps(2)
                .size(32, 32)
                .seed(1L)
                .build(),
            null);
    assertEquals(1, images.size());
  }

  /**
   * --snr-gamma reaches the task (recorded in the checkpoint, so a resume with another value is
   * refused); a negative one is refused.
   */
  @Test
  void snrGammaIsRecordedAndChecked(@TempDir Path out) throws Exception {
    var bad =
        TrainingRuns.inProcess(tinyUnet(out.resolve("bad"), "quality", 1, "--snr-gamma", "-1"));
    assertNotEquals(0, bad.code());
    assertTrue(
        bad.stderr().contains("--snr-gamma must be 0 (off) or a positive number, got -1.0"),
        bad.stderr());
    var ok = TrainingRuns.inProcess(tinyUnet(out.resolve("ok"), "quality", 1, "--snr-gamma", "5"));
    assertEquals(0, ok.code(), ok.stderr());
    try (var files = Files.walk(out.resolve("ok"))) {
      Path state =
          files
              .filter(f -> f.getFileName().toString().equals("state.json"))
              .findFirst()
              .orElseThrow();
      assertTrue(Files.readString(state).contains("\"snr_gamma\" : 5.0"), Files.readString(state));
    }
  }

  /**
   * --cache-latents encodes the pictures once into OUT/latents.safetensors; a second run reuses the
   * file and ends bit-identical to the first; a quality run trains every UNet tensor.
   */
  @Test
  void latentCacheIsWrittenAndReused(@TempDir Path tmp) throws Exception {
    Path first = tmp.resolve("first");
    Path second = tmp.resolve("second");
    Path shapes = tmp.resolve("shapes.jsonl");
    // a small JSONL dataset of shapes pictures keeps the cache small
    StringBuilder lines = new StringBuilder();
    ShapesDataset data = ShapesDataset.of(0, Split.TRAIN, 12);
    Files.createDirectories(tmp.resolve("img"));
    for (int i = 0; i < 12; i++) {
      javax.imageio.ImageIO.write(
          data.get(i).image(), "png", tmp.resolve("img/" + i + ".png").toFile());
      lines
          .append("{\"image\": \"img/")
          .append(i)
          .append(".png\", \"text\": \"")
          .append(data.get(i).englishCaption())
          .append("\"}\n");
    }
    lines.append("{\"image\": \"img/missing.png\", \"text\": \"gone\"}\n");
    Files.writeString(shapes, lines);
    List<String> args = new ArrayList<>(tinyUnet(first, "quality", 3, "--cache-latents"));
    args.set(args.indexOf("shapes"), shapes.toString());
    assertEquals(0, TrainingRuns.inProcess(args).code());
    assertTrue(Files.size(first.resolve("latents.safetensors")) > 0);
    Files.createDirectories(second);
    Files.copy(first.resolve("latents.safetensors"), second.resolve("latents.safetensors"));
    args.set(args.indexOf(first.toString()), second.toString());
    TrainingRuns.Outcome o = TrainingRuns.inProcess(args);
    assertEquals(0, o.code(), o.stderr());
    assertEquals(
        List.of(),
        TrainingRuns.differingTensors(
            first.resolve("final/unet/diffusion_pytorch_model.safetensors"),
            second.resolve("final/unet/diffusion_pytorch_model.safetensors")));
    Map<String, byte[]> before =
        TrainingRuns.rawTensors(MODEL.resolve("unet/diffusion_pytorch_model.safetensors"));
    Map<String, byte[]> after =
        TrainingRuns.rawTensors(first.resolve("final/unet/diffusion_pytorch_model.safetensors"));
    long unchanged =
        before.keySet().stream()
            .filter(k -> java.util.Arrays.equals(before.get(k), after.get(k)))
            .count();
    assertEquals(0, unchanged, "quality trains every UNet tensor");
    try (var cache = org.altdiffusion.io.SafeTensors.open(first.resolve("latents.safetensors"))) {
      assertEquals(
          "UNREADABLE_FILE",
          cache.metadata().get("skipped.12"),
          "the missing picture is recorded as skipped");
      assertEquals(24, cache.keys().size(), "mean and logvar of the 12 readable pictures");
    }
  }

  /**
   * The denoising loss of {@code unet} on the first 8 training pictures with fixed noise and
   * timesteps.
   */
  static double fixedBatchLoss(UNet2DConditionModel unet) {
    try (PointerScope scope = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      AutoencoderKL vae = AutoencoderKL.fromPretrained(MODEL.resolve("vae"));
      var text = RobertaSeriesModelWithTransformation.fromPretrained(MODEL.resolve("text_encoder"));
      var tok =
          TextDistillation.Tokenize.with(PromptTokenizer.load(MODEL.resolve("tokenizer")), 24);
      NoiseSchedule schedule =
          NoiseSchedule.of(SchedulerConfig.read(MODEL.resolve("scheduler/scheduler_config.json")));
      ShapesDataset data = ShapesDataset.of(0, Split.TRAIN);
      List<Sample> samples = new ArrayList<>();
      List<String> captions = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        samples.add(data.get(i));
        captions.add(data.get(i).caption(Language.values()[i % Language.values().length]));
      }
      float[] px = new float[8 * 3 * 32 * 32];
      for (int i = 0; i < 8; i++) {
        float[] one = org.altdiffusion.image.CenterCrop.pixels(samples.get(i).image(), 32);
        System.arraycopy(one, 0, px, i * one.length, one.length);
      }
      var gen = Tensors.generator(1234);
      Tensor latents =
          vae.encode(Tensors.fromFloats(px, 8, 3, 32, 32))
              .mean()
              .mul(Tensors.scalar(vae.scalingFactor()));
      Tensor noise = Tensors.randn(gen, Tensors.shape(latents));
      Tensor t = Tensors.fromLongs(new long[] {50, 150, 250, 350, 450, 550, 650, 750}, 8);
      Tensor[] ids = tok.encode(captions);
      Tensor cond = text.encode(ids[0], ids[1]);
      return DiffusionTraining.diffusionLoss(unet, schedule, latents, noise, t, cond, "epsilon")
          .item_double();
    }
  }
}
