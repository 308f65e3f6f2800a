package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.image.CenterCrop;
import org.altdiffusion.image.control.Preprocessor;
import org.altdiffusion.models.controlnet.ControlNetModel;
import org.altdiffusion.models.text.RobertaSeriesModelWithTransformation;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.schedulers.NoiseSchedule;
import org.altdiffusion.schedulers.SchedulerConfig;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Split;
import org.altdiffusion.tokenizer.PromptTokenizer;
import org.altdiffusion.train.CheckpointStore;
import org.altdiffusion.train.data.ImageText;
import org.altdiffusion.train.tasks.ControlConditioning;
import org.altdiffusion.train.tasks.DiffusionTraining;
import org.altdiffusion.train.tasks.TextDistillation;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train-controlnet on the tiny AltDiffusion model and the shapes dataset, Canny-conditioned. */
class TrainControlNetCommandTest {
  static final Path MODEL = TrainUnetCommandTest.MODEL;

  @BeforeAll
  static void init() {
    org.altdiffusion.train.OneThread.use();
  }

  @AfterAll
  static void restoreThreads() {
    org.altdiffusion.train.OneThread.restore();
  }

  static List<String> tinyControlNet(Path out, long steps, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train-controlnet",
                "--model",
                MODEL.toString(),
                "--data",
                "shapes",
                "--conditioning",
                "canny",
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
    for (int i = 0; i + 1 < more.length; i += 2) {
      int at = args.indexOf(more[i]);
      if (at >= 0 && more[i].startsWith("--checkpoint")) args.set(at + 1, more[i + 1]);
      else args.addAll(List.of(more[i], more[i + 1]));
    }
    return args;
  }

  /**
   * 40 steps: the UNet fed the trained ControlNet's residuals denoises a fixed batch (fixed noise
   * and timesteps, Canny maps of the pictures) better than with the initial one (its zero
   * convolutions leave the UNet as it was); the export is a ControlNet folder that generate
   * --controlnet runs.
   */
  @Test
  void lossFallsAndExportRunsInGenerate(@TempDir Path out) throws Exception {
    var outcome = TrainingRuns.inProcess(tinyControlNet(out, 40));
    assertEquals(0, outcome.code(), outcome.stderr());
    assertTrue(Files.isRegularFile(out.resolve("final/config.json")));
    UNet2DConditionModel unet = UNet2DConditionModel.fromPretrained(MODEL.resolve("unet"));
    double before =
        fixedBatchLoss(
            unet, ControlNetModel.fromUnet(unet, 3, List.of(16, 32), Tensors.generator(0)));
    double without = fixedBatchLoss(unet, null);
    double after = fixedBatchLoss(unet, ControlNetModel.load(out.resolve("final")));
    System.out.printf(
        "train-controlnet, 40 steps: fixed-batch loss %.5f (UNet alone %.5f) -> %.5f%n",
        before, without, after);
    assertEquals(without, before, 1e-6, "the zero convolutions must leave the UNet unchanged");
    assertTrue(after < before, "loss did not fall: " + before + " -> " + after);
    Path control = out.resolve("control.png");
    javax.imageio.ImageIO.write(
        ShapesDataset.of(0, Split.TRAIN, 1).get(0).image(), "png", control.toFile());
    var gen =
        TrainingRuns.inProcess(
            List.of(
                "generate",
                "--model",
                MODEL.toString(),
                "--controlnet",
                out.resolve("final-ema").toString(),
                "--control-image",
                control.toString(),
                "--control-preprocess",
                "canny",
                "--prompt",
                "a red circle",
                "--steps",
                "2",
                "-W",
                "32",
                "-H",
                "32",
                "--out",
                out.resolve("g.png").toString()));
    assertEquals(0, gen.code(), gen.stderr());
    assertTrue(Files.size(out.resolve("g.png")) > 0);
  }

  /**
   * A run resumed from its step-2 checkpoint ends bit-identical to the uninterrupted run: trained
   * weights, EMA weights and the losses of steps 3 to 6.
   */
  @Test
  void resumedRunEqualsUninterruptedRun(@TempDir Path tmp) throws Exception {
    Path whole = tmp.resolve("whole");
    Path resumed = tmp.resolve("resumed");
    String[] every = {
      "--checkpoint-every", "2", "--keep-checkpoints", "5", "--caption-dropout", "0.3"
    };
    var first = TrainingRuns.inProcess(tinyControlNet(whole, 6, every));
    assertEquals(0, first.code(), first.stderr());
    Path step2 = new CheckpointStore(whole.resolve("checkpoints")).list().get(0);
    assertEquals("step-00000002", step2.getFileName().toString());
    List<String> args = new ArrayList<>(tinyControlNet(resumed, 6, every));
    args.addAll(List.of("--resume-from", step2.toString()));
    var o = TrainingRuns.inProcess(args);
    assertEquals(0, o.code(), o.stderr());
    for (String dir : List.of("final", "final-ema"))
      assertEquals(
          List.of(),
          TrainingRuns.differingTensors(
              whole.resolve(dir + "/diffusion_pytorch_model.safetensors"),
              resumed.resolve(dir + "/diffusion_pytorch_model.safetensors")),
          dir + " differs");
    List<String> tail =
        TrainingRuns.lossLines(whole.resolve("log.jsonl")).stream()
            .filter(l -> Long.parseLong(l.split(" ")[0]) > 2)
            .toList();
    List<String> resumedLosses =
        TrainingRuns.lossLines(resumed.resolve("log.jsonl")).stream()
            .filter(l -> Long.parseLong(l.split(" ")[0]) > 2)
            .toList();
    assertEquals(4, tail.size());
    assertEquals(tail, resumedLosses, "per-step losses differ");
  }

  /** Missing data or conditioning images: clear errors. */
  @Test
  void badInputIsRefusedClearly(@TempDir Path tmp) throws Exception {
    List<String> noData = tinyControlNet(tmp.resolve("a"), 1);
    noData.set(noData.indexOf("shapes"), tmp.resolve("nothing-here").toString());
    var a = TrainingRuns.inProcess(noData);
    assertNotEquals(0, a.code());
    assertTrue(a.stderr().contains("nothing-here"), a.stderr());

    List<String> noFolder = tinyControlNet(tmp.resolve("b"), 1);
    noFolder.set(noFolder.indexOf("canny"), tmp.resolve("no-maps").toString());
    var b = TrainingRuns.inProcess(noFolder);
    assertNotEquals(0, b.code());
    assertTrue(
        b.stderr().contains("--conditioning folder")
            && b.stderr().contains("accepted: canny, scribble, invert"),
        b.stderr());

    Files.createDirectories(tmp.resolve("maps"));
    List<String> emptyFolder = tinyControlNet(tmp.resolve("c"), 1);
    emptyFolder.set(emptyFolder.indexOf("canny"), tmp.resolve("maps").toString());
    var c = TrainingRuns.inProcess(emptyFolder);
    assertNotEquals(0, c.code());
    assertTrue(c.stderr().contains("no conditioning image for training example"), c.stderr());
  }

  /** The diffusion loss on the first 8 shapes pictures, fixed noise and timesteps. */
  static double fixedBatchLoss(UNet2DConditionModel unet, ControlNetModel net) {
    try (PointerScope scope = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      AutoencoderKL vae = AutoencoderKL.fromPretrained(MODEL.resolve("vae"));
      var text = RobertaSeriesModelWithTransformation.fromPretrained(MODEL.resolve("text_encoder"));
      var tok =
          TextDistillation.Tokenize.with(PromptTokenizer.load(MODEL.resolve("tokenizer")), 24);
      NoiseSchedule schedule =
          NoiseSchedule.of(SchedulerConfig.read(MODEL.resolve("scheduler/scheduler_config.json")));
      ShapesDataset data = ShapesDataset.of(0, Split.TRAIN);
      List<ImageText> items = new ArrayList<>();
      List<String> captions = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String caption = data.get(i).caption(Language.values()[i % Language.values().length]);
        items.add(new ImageText(CenterCrop.pixels(data.get(i).image(), 32), 32, caption, "s" + i));
        captions.add(caption);
      }
      var gen = Tensors.generator(1234);
      Tensor latents =
          vae.encode(ImageText.stack(items)).mean().mul(Tensors.scalar(vae.scalingFactor()));
      Tensor noise = Tensors.randn(gen, Tensors.shape(latents));
      Tensor t = Tensors.fromLongs(new long[] {50, 150, 250, 350, 450, 550, 650, 750}, 8);
      Tensor[] ids = tok.encode(captions);
      Tensor cond = text.encode(ids[0], ids[1]);
      Tensor maps =
          ControlConditioning.preprocessed(Preprocessor.CANNY, Preprocessor.Settings.defaults())
              .images(items);
      return DiffusionTraining.diffusionLoss(
              noisy -> {
                if (net == null) return unet.forward(noisy, t, cond);
                var r = net.forward(noisy, t, cond, maps, 1.0, false);
                return unet.forward(noisy, t, cond, r.down(), r.mid());
              },
              schedule,
              latents,
              noise,
              t,
              "epsilon",
              0)
          .item_double();
    }
  }
}
