package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.lora.AppliedLoras;
import org.altdiffusion.lora.LoraFile;
import org.altdiffusion.lora.LoraSpec;
import org.altdiffusion.lora.LoraTarget;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.train.TrainingFixtures;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train-unet --lora-rank on the tiny AltDiffusion model and the shapes dataset. */
class TrainLoraCommandTest {
  static final Path MODEL = TrainingFixtures.path("pipeline/tiny-altdiffusion");

  @BeforeAll
  static void init() {
    org.altdiffusion.train.OneThread.use();
  }

  @AfterAll
  static void restoreThreads() {
    org.altdiffusion.train.OneThread.restore();
  }

  static List<String> tinyLora(Path out, long steps, String... more) {
    List<String> args = new ArrayList<>(TrainUnetCommandTest.tinyUnet(out, "quality", steps, more));
    int stage = args.indexOf("--stage");
    args.remove(stage + 1);
    args.remove(stage);
    return args;
  }

  /**
   * Only the factors train: the kohya and PEFT files hold A and B for every attention projection
   * (and the ResNet convolutions with attn+conv), with kohya's alphas and metadata; both files read
   * back through our loader to the same change of every weight; B moved from zero; and the base
   * model's fixed-batch loss falls with the LoRA merged.
   */
  @Test
  void loraTrainsOnlyFactorsAndBothFilesMeanTheSameChange(@TempDir Path out) throws Exception {
    var run =
        TrainingRuns.inProcess(
            tinyLora(
                out,
                30,
                "--lora-rank",
                "4",
                "--lora-alpha",
                "8",
                "--lora-targets",
                "attn+conv",
                "--lora-name",
                "mine",
                "--caption-dropout",
                "0"));
    assertEquals(0, run.code(), run.stderr());
    assertTrue(run.stderr().contains("train-unet unet-lora"), run.stderr());
    Path kohya = out.resolve("final/mine.safetensors");
    Path peft = out.resolve("final/pytorch_lora_weights.safetensors");
    UNet2DConditionModel unet = UNet2DConditionModel.fromPretrained(MODEL.resolve("unet"));
    long attention =
        unet.namedModules().keySet().stream()
            .filter(p -> p.matches(".*\\.attn[12]\\.(to_q|to_k|to_v|to_out\\.0)$"))
            .count();
    long convs =
        unet.namedModules().keySet().stream()
            .filter(p -> p.matches(".*\\.resnets\\.\\d+\\.(conv1|conv2|conv_shortcut)$"))
            .count();
    try (var k = SafeTensors.open(kohya);
        var p = SafeTensors.open(peft)) {
      assertEquals(3 * (attention + convs), k.keys().size()); // down, up, alpha
      assertEquals(2 * (attention + convs), p.keys().size());
      assertEquals("4", k.metadata().get("ss_network_dim"));
      assertEquals("8", k.metadata().get("ss_network_alpha"));
      assertEquals("mine", k.metadata().get("ss_output_name"));
      assertEquals("networks.lora", k.metadata().get("ss_network_module"));
      String q = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
      assertEquals(8.0, k.load("lora_unet_" + q.replace('.', '_') + ".alpha").item_double());
      assertTrue(
          Tensors.toFloats(p.load("unet." + q + ".lora_B.weight").abs().max())[0] > 0,
          "B still zero");
    }
    List<LoraTarget> targets = List.of(new LoraTarget(LoraTarget.UNET, unet));
    List<String> warnings = new ArrayList<>();
    LoraFile a = LoraFile.read(kohya, targets, warnings::add);
    LoraFile b = LoraFile.read(peft, targets, warnings::add);
    assertEquals(List.of(), warnings);
    assertEquals(attention + convs, a.layers().size());
    for (int i = 0; i < a.layers().size(); i++) {
      LoraFile.Layer x = a.layers().get(i);
      LoraFile.Layer y = b.layers().get(i);
      assertEquals(x.path(), y.path());
      assertEquals(2.0, x.scale(), 0);
      assertEquals(1.0, y.scale(), 0); // the PEFT file carries alpha / r in B
      Tensor dx = x.product().mul(Tensors.scalar(x.scale()));
      Tensor dy = y.product().mul(Tensors.scalar(y.scale()));
      assertTrue(Tensors.maxAbsDiff(dx, dy) < 1e-6, x.path());
    }
    a.release();
    b.release();
    double before = TrainUnetCommandTest.fixedBatchLoss(unet);
    double after;
    try (AppliedLoras applied = AppliedLoras.apply(List.of(new LoraSpec(kohya, 1)), targets)) {
      after = TrainUnetCommandTest.fixedBatchLoss(unet);
    }
    System.out.printf(
        "LoRA rank 4 attn+conv, 30 steps: fixed-batch loss %.5f -> %.5f%n", before, after);
    assertTrue(after < before, before + " -> " + after);
  }

  /**
   * A LoRA run resumed from its step-2 checkpoint ends bit for bit where the uninterrupted run ends
   * (factors, optimiser state and EMA restored); the base weights are never written.
   */
  @Test
  void resumedLoraRunEqualsUninterruptedOne(@TempDir Path tmp) throws Exception {
    Path straight = tmp.resolve("straight");
    Path resumed = tmp.resolve("resumed");
    List<String> args = tinyLora(straight, 4, "--lora-rank", "2");
    args.set(args.indexOf("--checkpoint-every") + 1, "2");
    assertEquals(0, TrainingRuns.inProcess(args).code());
    Path half = straight.resolve("checkpoints/step-00000002");
    assertTrue(Files.isDirectory(half), "no step-2 checkpoint");
    var o =
        TrainingRuns.inProcess(
            tinyLora(resumed, 4, "--lora-rank", "2", "--resume-from", half.toString()));
    assertEquals(0, o.code(), o.stderr());
    for (String f : List.of("final/lora.safetensors", "final-ema/pytorch_lora_weights.safetensors"))
      assertEquals(
          List.of(), TrainingRuns.differingTensors(straight.resolve(f), resumed.resolve(f)), f);
    assertFalse(Files.exists(straight.resolve("final/unet")));
    var wrong =
        TrainingRuns.inProcess(
            TrainUnetCommandTest.tinyUnet(tmp.resolve("bad"), "quality", 1, "--lora-alpha", "4"));
    assertNotEquals(0, wrong.code());
    assertTrue(wrong.stderr().contains("need --lora-rank"), wrong.stderr());
    var noStage = TrainingRuns.inProcess(tinyLora(tmp.resolve("bad1"), 1));
    assertTrue(noStage.stderr().contains("--stage is required"), noStage.stderr());
    var badTargets =
        TrainingRuns.inProcess(
            tinyLora(tmp.resolve("bad2"), 1, "--lora-rank", "2", "--lora-targets", "all"));
    assertTrue(badTargets.stderr().contains("accepted: attn, attn+conv"), badTargets.stderr());
  }
}
