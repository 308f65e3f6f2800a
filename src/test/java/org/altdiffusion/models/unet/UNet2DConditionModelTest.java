package org.altdiffusion.models.unet;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.models.Fixtures;
import org.altdiffusion.nn.StateDictException;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parity with diffusers 0.30.3 UNet2DConditionModel on tiny random models (fixtures/unet). */
class UNet2DConditionModelTest {
  static final double TOLERANCE = 1e-5;
  static final Map<String, UNet2DConditionModel> MODELS = new HashMap<>();
  static NoGradGuard noGrad;

  @BeforeAll
  static void init() {
    Torch.init();
    noGrad = new NoGradGuard();
  }

  @AfterAll
  static void close() {
    MODELS.values().forEach(UNet2DConditionModel::clear);
    noGrad.close();
  }

  static UNet2DConditionModel model(String name) {
    return MODELS.computeIfAbsent(
        name, n -> UNet2DConditionModel.fromPretrained(Fixtures.dir("unet/" + n)));
  }

  /**
   * Runs case {@code name.case} of the fixture and returns the max abs error against the reference
   * eps.
   */
  static double parity(String name, String c) {
    Path dir = Fixtures.dir("unet/" + name);
    double[] diff = new double[1];
    Scopes.run(
        () -> {
          Tensor eps =
              model(name)
                  .forward(
                      Fixtures.tensor(dir, c + ".sample"),
                      Fixtures.tensor(dir, c + ".timestep"),
                      Fixtures.tensor(dir, c + ".context"));
          diff[0] =
              Fixtures.report("unet/" + name + "/" + c, eps, Fixtures.tensor(dir, c + ".eps"));
        });
    return diff[0];
  }

  /** diffusers ignores the keys a config lists in _use_default_values: they take the defaults. */
  @Test
  void keysListedInUseDefaultValuesTakeTheDefaults() {
    Path file = Path.of("config.json");
    UNet2DConditionConfig unet =
        UNet2DConditionConfig.from(
            org.altdiffusion.io.JsonConfig.parse(
                file,
                "{\"norm_num_groups\": 4, \"norm_eps\": 0.5,"
                    + " \"_use_default_values\": [\"norm_num_groups\"]}"));
    assertEquals(32, unet.normNumGroups());
    assertEquals(0.5, unet.normEps());
    org.altdiffusion.models.vae.AutoencoderKLConfig vae =
        org.altdiffusion.models.vae.AutoencoderKLConfig.from(
            org.altdiffusion.io.JsonConfig.parse(
                file, "{\"scaling_factor\": 0.13, \"_use_default_values\": [\"scaling_factor\"]}"));
    assertEquals(0.18215, vae.scalingFactor());
  }

  @Test
  void sd1StyleMatchesDiffusers() {
    assertTrue(parity("sd1", "step") < TOLERANCE);
  }

  @Test
  void scalarTimestepIsBroadcastToTheBatch() {
    assertTrue(parity("sd1", "scalar_t") < TOLERANCE);
    Path dir = Fixtures.dir("unet/sd1");
    Scopes.run(
        () -> {
          Tensor eps =
              model("sd1")
                  .forward(
                      Fixtures.tensor(dir, "scalar_t.sample"),
                      500.0,
                      Fixtures.tensor(dir, "scalar_t.context"));
          assertTrue(
              Fixtures.report(
                      "unet/sd1/scalar_t (double)", eps, Fixtures.tensor(dir, "scalar_t.eps"))
                  < TOLERANCE);
        });
  }

  @Test
  void sd2StyleMatchesDiffusers() {
    assertEquals(List.of(2, 4, 4), model("sd2").config.attentionHeadDim());
    assertTrue(model("sd2").config.useLinearProjection());
    assertTrue(model("sd2").config.upcastAttention());
    assertTrue(parity("sd2", "step") < TOLERANCE);
  }

  @Test
  void sizesThatAreNotMultiplesOfTheDownscaleUpsampleToTheSkipSizes() {
    // 9 x 11 with 3 levels: 9 -> 5 -> 3 and back up to 5 and 9; float timesteps 10.5, 700.25.
    assertTrue(parity("sd2", "odd") < TOLERANCE);
  }

  @Test
  void inpaintingUNetMatchesDiffusers() {
    assertEquals(9, model("inpaint").config.inChannels());
    assertTrue(parity("inpaint", "step") < TOLERANCE);
  }

  @Test
  void lessCommonOptionsMatchDiffusers() {
    UNet2DConditionConfig c = model("misc").config;
    assertEquals(List.of(true, false), c.onlyCrossAttention());
    assertEquals(List.of(2, 1), c.transformerLayersPerBlock());
    assertEquals(List.of(1, 2), c.layersPerBlock());
    assertEquals(0, c.downsamplePadding());
    assertTrue(c.centerInputSample());
    assertTrue(parity("misc", "step") < TOLERANCE);
  }

  @Test
  void controlNetResidualsAreAddedLikeDiffusers() {
    Path dir = Fixtures.dir("unet/sd1");
    UNet2DConditionModel unet = model("sd1");
    Scopes.run(
        () -> {
          List<Tensor> down = new ArrayList<>();
          for (int i = 0; i < unet.downResidualCount(); i++)
            down.add(Fixtures.tensor(dir, "control.down_residual." + i));
          Tensor sample = Fixtures.tensor(dir, "control.sample");
          Tensor t = Fixtures.tensor(dir, "control.timestep");
          Tensor context = Fixtures.tensor(dir, "control.context");
          Tensor eps =
              unet.forward(sample, t, context, down, Fixtures.tensor(dir, "control.mid_residual"));
          assertTrue(
              Fixtures.report("unet/sd1/control", eps, Fixtures.tensor(dir, "control.eps"))
                  < TOLERANCE);
          // The residuals matter: without them the output is different.
          assertTrue(Tensors.maxAbsDiff(unet.forward(sample, t, context), eps) > 1e-2);
        });
  }

  @Test
  void badInputsAreNamed() {
    UNet2DConditionModel unet = model("sd1");
    Scopes.run(
        () -> {
          Tensor t = Tensors.fromLongs(new long[] {1, 2}, 2);
          Tensor ctx = Tensors.randn(Tensors.generator(0), 2, 5, 24);
          var e =
              assertThrows(
                  IllegalArgumentException.class,
                  () -> unet.forward(Tensors.randn(Tensors.generator(0), 2, 3, 8, 8), t, ctx));
          assertTrue(e.getMessage().contains("in_channels 4"), e.getMessage());
          e =
              assertThrows(
                  IllegalArgumentException.class,
                  () ->
                      unet.forward(
                          Tensors.randn(Tensors.generator(0), 2, 4, 8, 8),
                          t,
                          Tensors.randn(Tensors.generator(0), 2, 5, 16)));
          assertTrue(e.getMessage().contains("cross_attention_dim"), e.getMessage());
          e =
              assertThrows(
                  IllegalArgumentException.class,
                  () ->
                      unet.forward(
                          Tensors.randn(Tensors.generator(0), 2, 4, 8, 8),
                          Tensors.fromLongs(new long[] {1, 2, 3}, 3),
                          ctx));
          assertTrue(e.getMessage().contains("timestep"), e.getMessage());
          Tensor sample = Tensors.randn(Tensors.generator(0), 2, 4, 8, 8);
          e =
              assertThrows(
                  IllegalArgumentException.class,
                  () ->
                      unet.forward(
                          sample,
                          t,
                          ctx,
                          List.of(sample),
                          Tensors.randn(Tensors.generator(0), 2, 32, 4, 4)));
          assertTrue(e.getMessage().contains("expected 6 down-block residuals"), e.getMessage());
          List<Tensor> wrong = new ArrayList<>();
          for (long[] s : unet.downResidualShapes(2, 8, 8))
            wrong.add(Tensors.randn(Tensors.generator(0), s));
          wrong.set(3, Tensors.randn(Tensors.generator(0), 2, 16, 8, 8));
          e =
              assertThrows(
                  IllegalArgumentException.class,
                  () ->
                      unet.forward(
                          sample, t, ctx, wrong, Tensors.randn(Tensors.generator(0), 2, 32, 4, 4)));
          assertTrue(
              e.getMessage().contains("down-block residual 3 must be [2, 16, 4, 4]"),
              e.getMessage());
          e =
              assertThrows(
                  IllegalArgumentException.class, () -> unet.forward(sample, t, ctx, wrong, null));
          assertTrue(e.getMessage().contains("both"), e.getMessage());
        });
  }

  @Test
  void freshlyInitialisedModelRunsAtAnySize() {
    UNet2DConditionModel unet = new UNet2DConditionModel(model("sd2").config);
    unet.initialize(Tensors.generator(7));
    Scopes.run(
        () -> {
          Tensor eps =
              unet.forward(
                  Tensors.randn(Tensors.generator(1), 1, 4, 5, 7),
                  3.0,
                  Tensors.randn(Tensors.generator(2), 1, 2, 20));
          assertArrayEquals(new long[] {1, 4, 5, 7}, Tensors.shape(eps));
        });
    unet.clear();
  }

  @Test
  void weightsThatDoNotFitTheConfigAreNamed() {
    UNet2DConditionModel sd2 = new UNet2DConditionModel(model("sd2").config);
    try (SafeTensors.Reader sd1Weights =
        SafeTensors.open(Fixtures.dir("unet/sd1").resolve("diffusion_pytorch_model.safetensors"))) {
      StateDictException e = assertThrows(StateDictException.class, () -> sd2.load(sd1Weights));
      assertFalse(e.missing().isEmpty());
      assertFalse(e.wrongShape().isEmpty());
      assertTrue(e.getMessage().contains("conv_in.weight"), e.getMessage());
    }
  }

  @Test
  void unsupportedConfigFieldsAreNamedWithTheAcceptedValues(@TempDir Path tmp) throws Exception {
    String base = Files.readString(Fixtures.dir("unet/sd1").resolve("config.json"));
    Map<String, String[]> cases = new java.util.LinkedHashMap<>();
    cases.put(
        "\"class_embed_type\": null",
        new String[] {"\"class_embed_type\": \"timestep\"", "class_embed_type", "accepted: null"});
    cases.put(
        "\"addition_embed_type\": null",
        new String[] {
          "\"addition_embed_type\": \"text_time\"", "addition_embed_type", "accepted: null"
        });
    cases.put(
        "\"dual_cross_attention\": false",
        new String[] {"\"dual_cross_attention\": true", "dual_cross_attention", "accepted: false"});
    cases.put(
        "\"resnet_time_scale_shift\": \"default\"",
        new String[] {
          "\"resnet_time_scale_shift\": \"scale_shift\"",
          "resnet_time_scale_shift",
          "accepted: default"
        });
    cases.put(
        "\"CrossAttnDownBlock2D\"",
        new String[] {
          "\"SimpleCrossAttnDownBlock2D\"",
          "down_block_types",
          "accepted: CrossAttnDownBlock2D, DownBlock2D"
        });
    cases.put(
        "\"mid_block_type\": \"UNetMidBlock2DCrossAttn\"",
        new String[] {
          "\"mid_block_type\": null", "mid_block_type", "accepted: UNetMidBlock2DCrossAttn"
        });
    cases.put(
        "\"num_attention_heads\": null",
        new String[] {"\"num_attention_heads\": 8", "num_attention_heads", "accepted: null"});
    cases.put(
        "\"time_embedding_type\": \"positional\"",
        new String[] {
          "\"time_embedding_type\": \"fourier\"", "time_embedding_type", "accepted: positional"
        });
    cases.put(
        "\"act_fn\": \"silu\"",
        new String[] {"\"act_fn\": \"gelu\"", "act_fn", "accepted: silu, swish"});
    cases.put(
        "\"attention_head_dim\": 4",
        new String[] {"\"attention_head_dim\": [4, 4, 4]", "attention_head_dim", "expected 2"});
    cases.put(
        "\"norm_num_groups\": 8",
        new String[] {
          "\"norm_num_groups\": 12", "block_out_channels", "multiple of norm_num_groups 12"
        });
    for (var c : cases.entrySet()) {
      assertTrue(base.contains(c.getKey()), c.getKey());
      Path file = tmp.resolve("config.json");
      Files.writeString(file, base.replace(c.getKey(), c.getValue()[0]));
      CheckpointException e =
          assertThrows(
              CheckpointException.class, () -> UNet2DConditionConfig.read(file), c.getKey());
      assertTrue(
          e.getMessage().contains(c.getValue()[1]) && e.getMessage().contains(c.getValue()[2]),
          e.getMessage());
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
  }

  @Test
  void absentKeysTakeDiffusersDefaults(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("config.json");
    Files.writeString(
        file,
        "{\"attention_head_dim\": [5, 10, 20, 20], \"cross_attention_dim\": 1024,"
            + " \"use_linear_projection\": true}");
    UNet2DConditionConfig c = UNet2DConditionConfig.read(file);
    assertEquals(List.of(320, 640, 1280, 1280), c.blockOutChannels());
    assertEquals(
        List.of(
            "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
        c.downBlockTypes());
    assertEquals(
        List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
        c.upBlockTypes());
    assertEquals(List.of(2, 2, 2, 2), c.layersPerBlock());
    assertEquals(4, c.inChannels());
    assertEquals(32, c.normNumGroups());
    assertEquals(1e-5, c.normEps());
    assertTrue(c.flipSinToCos());
    assertEquals(0.0, c.freqShift());
    assertEquals(1280, c.timeEmbedDim());
    assertEquals(8, c.downscaleFactor());
    // The m18 layout: 865,910,724 parameters in diffusers.
    assertEquals(865_910_724L, new UNet2DConditionModel(c).parameterCount());
    // The m9 / SD 1.x layout: 859,520,964.
    Files.writeString(file, "{\"attention_head_dim\": 8, \"cross_attention_dim\": 768}");
    assertEquals(
        859_520_964L, new UNet2DConditionModel(UNet2DConditionConfig.read(file)).parameterCount());
  }
}
