package org.altdiffusion.models.vae;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.io.keys.KeyMapping;
import org.altdiffusion.io.keys.ValueTransform;
import org.altdiffusion.io.keys.formats.DiffusersLegacyVaeAttention;
import org.altdiffusion.models.Fixtures;
import org.altdiffusion.nn.StateDictException;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parity with diffusers 0.30.3 AutoencoderKL on tiny random models (fixtures/vae). */
class AutoencoderKLTest {
  static final double TOLERANCE = 1e-5;
  static NoGradGuard noGrad;

  @BeforeAll
  static void init() {
    Torch.init();
    noGrad = new NoGradGuard();
  }

  @AfterAll
  static void close() {
    noGrad.close();
  }

  /** Encodes case {@code encode<i>} and checks mean, logvar, std and a seeded sample. */
  static void checkEncode(AutoencoderKL vae, String name, int i) {
    Path dir = Fixtures.dir("vae/" + name);
    String p = "encode" + i + ".";
    Scopes.run(
        () -> {
          DiagonalGaussian dist = vae.encode(Fixtures.tensor(dir, p + "image"));
          String what = "vae/" + name + "/encode" + i;
          assertTrue(
              Fixtures.report(what + " mean", dist.mean(), Fixtures.tensor(dir, p + "mean"))
                  < TOLERANCE);
          assertTrue(
              Fixtures.report(what + " logvar", dist.logvar(), Fixtures.tensor(dir, p + "logvar"))
                  < TOLERANCE);
          assertTrue(
              Fixtures.report(what + " std", dist.std(), Fixtures.tensor(dir, p + "std"))
                  < TOLERANCE);
          long seed = Tensors.toLongs(Fixtures.tensor(dir, p + "sample_seed"))[0];
          Tensor sample = dist.sample(Tensors.generator(seed));
          assertTrue(
              Fixtures.report(what + " sample", sample, Fixtures.tensor(dir, p + "sample"))
                  < TOLERANCE);
          assertEquals(0.0, Tensors.maxAbsDiff(dist.mode(), dist.mean()));
        });
  }

  static void checkDecode(AutoencoderKL vae, String name) {
    Path dir = Fixtures.dir("vae/" + name);
    Scopes.run(
        () -> {
          Tensor image = vae.decode(Fixtures.tensor(dir, "decode.latents"));
          assertTrue(
              Fixtures.report(
                      "vae/" + name + "/decode", image, Fixtures.tensor(dir, "decode.image"))
                  < TOLERANCE);
        });
  }

  @Test
  void tinySdLayoutMatchesDiffusers() {
    AutoencoderKL vae = AutoencoderKL.fromPretrained(Fixtures.dir("vae/tiny"));
    assertEquals(0.18215, vae.scalingFactor());
    assertEquals(2, vae.downscaleFactor());
    checkEncode(vae, "tiny", 0);
    checkEncode(vae, "tiny", 1); // 15 x 13: the asymmetric padding of the encoder's downsampler
    checkDecode(vae, "tiny");
    vae.clear();
  }

  @Test
  void withoutQuantConvsOrMidAttentionMatchesDiffusers() {
    AutoencoderKL vae = AutoencoderKL.fromPretrained(Fixtures.dir("vae/plain"));
    assertFalse(
        vae.namedParameters().keySet().stream()
            .anyMatch(k -> k.contains("quant_conv") || k.contains("attentions")));
    assertEquals(0.5, vae.scalingFactor());
    assertEquals(0.25, vae.config.shiftFactor());
    checkEncode(vae, "plain", 0);
    checkDecode(vae, "plain");
    vae.clear();
  }

  @Test
  void midBlockAttentionKeysFollowDiffusers() {
    AutoencoderKL vae =
        new AutoencoderKL(AutoencoderKL.fromPretrained(Fixtures.dir("vae/tiny")).config);
    var keys = vae.namedParameters().keySet();
    for (String k :
        List.of(
            "encoder.mid_block.attentions.0.group_norm.weight",
            "encoder.mid_block.attentions.0.to_q.bias",
            "encoder.mid_block.attentions.0.to_out.0.weight",
            "decoder.mid_block.attentions.0.to_k.weight",
            "encoder.down_blocks.0.downsamplers.0.conv.weight",
            "decoder.up_blocks.0.upsamplers.0.conv.weight",
            "decoder.up_blocks.1.resnets.2.conv2.weight",
            "quant_conv.weight",
            "post_quant_conv.bias")) {
      assertTrue(keys.contains(k), k);
    }
  }

  @Test
  void legacyAttentionNamesLoadLikeDiffusers() {
    Path dir = Fixtures.dir("vae/tiny");
    AutoencoderKL reference = AutoencoderKL.fromPretrained(dir);
    Map<String, Tensor> legacy = new LinkedHashMap<>();
    reference
        .stateDict()
        .forEach(
            (k, v) ->
                legacy.put(
                    k.replace("attentions.0.to_q.", "attentions.0.query.")
                        .replace("attentions.0.to_k.", "attentions.0.key.")
                        .replace("attentions.0.to_v.", "attentions.0.value.")
                        .replace("attentions.0.to_out.0.", "attentions.0.proj_attn."),
                    v));
    assertTrue(legacy.containsKey("decoder.mid_block.attentions.0.proj_attn.weight"));
    AutoencoderKL vae = new AutoencoderKL(reference.config);
    assertThrows(
        StateDictException.class, () -> vae.load(legacy)); // strict load alone refuses them
    vae.loadCheckpoint(TensorSource.of(legacy));
    checkDecode(vae, "tiny");

    legacy.put(
        "decoder.mid_block.attentions.0.to_q.weight",
        legacy.get("decoder.mid_block.attentions.0.query.weight"));
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> vae.loadCheckpoint(TensorSource.of(legacy)));
    assertTrue(e.getMessage().contains("both"), e.getMessage());
    reference.clear();
    vae.clear();
  }

  /**
   * The tiny VAE stored as an LDM single file would store it (under {@code first_stage_model.},
   * mid-block attention as 1x1 convolutions named {@code mid.attn_1.q/k/v/proj_out/norm}), loaded
   * through a key-mapping table with a prefix, regex rules and the conv-to-linear transform: the
   * shape of what the LDM VAE table in io.keys.formats will do.
   */
  @Test
  void ldmStyleKeysLoadThroughAKeyMapping() {
    Path dir = Fixtures.dir("vae/tiny");
    AutoencoderKL reference = AutoencoderKL.fromPretrained(dir);
    Map<String, Tensor> ldm = new LinkedHashMap<>();
    ldm.put("model.diffusion_model.out.2.bias", Tensors.fromFloats(new float[] {1}, 1));
    ldm.put("model_ema.decay", Tensors.fromFloats(new float[] {1}, 1));
    java.util.regex.Pattern attention =
        java.util.regex.Pattern.compile(
            "(encoder|decoder)\\.mid_block\\.attentions\\.0\\.(to_q|to_k|to_v|to_out\\.0|group_norm)\\.(weight|bias)");
    Map<String, String> ldmName =
        Map.of("to_q", "q", "to_k", "k", "to_v", "v", "to_out.0", "proj_out", "group_norm", "norm");
    reference
        .stateDict()
        .forEach(
            (k, v) -> {
              var m = attention.matcher(k);
              if (!m.matches()) {
                ldm.put("first_stage_model." + k, v);
                return;
              }
              boolean conv = !m.group(2).equals("group_norm") && m.group(3).equals("weight");
              ldm.put(
                  "first_stage_model."
                      + m.group(1)
                      + ".mid.attn_1."
                      + ldmName.get(m.group(2))
                      + "."
                      + m.group(3),
                  conv ? v.reshape(v.size(0), v.size(1), 1, 1) : v);
            });
    assertArrayEquals(
        new long[] {16, 16, 1, 1},
        ldm.get("first_stage_model.decoder.mid.attn_1.q.weight").sizes().vec().get());
    KeyMapping table =
        KeyMapping.builder("test: LDM VAE attention")
            .under("first_stage_model.")
            .regex(
                "(encoder|decoder)\\.mid\\.attn_1\\.norm\\.(weight|bias)",
                "$1.mid_block.attentions.0.group_norm.$2")
            .regex(
                "(encoder|decoder)\\.mid\\.attn_1\\.([qkv])\\.(weight|bias)",
                "$1.mid_block.attentions.0.to_$2.$3",
                ValueTransform.conv1x1ToLinear())
            .regex(
                "(encoder|decoder)\\.mid\\.attn_1\\.proj_out\\.(weight|bias)",
                "$1.mid_block.attentions.0.to_out.0.$2",
                ValueTransform.conv1x1ToLinear())
            .build();
    AutoencoderKL vae = new AutoencoderKL(reference.config);
    vae.load(table.apply(TensorSource.of(ldm)));
    checkDecode(vae, "tiny");
    vae.clear();

    // a prefix selection chained with the legacy table; errors name the keys in the file
    Map<String, Tensor> legacy = new LinkedHashMap<>();
    reference
        .stateDict()
        .forEach(
            (k, v) ->
                legacy.put(
                    "first_stage_model." + k.replace("attentions.0.to_q.", "attentions.0.query."),
                    v));
    KeyMapping chained =
        KeyMapping.builder("first stage")
            .under("first_stage_model.")
            .build()
            .andThen(DiffusersLegacyVaeAttention.TABLE);
    vae.load(chained.apply(TensorSource.of(legacy)));
    checkDecode(vae, "tiny");
    legacy.put(
        "first_stage_model.decoder.mid_block.attentions.0.query.weight",
        Tensors.fromFloats(new float[4], 2, 2));
    StateDictException e =
        assertThrows(
            StateDictException.class, () -> vae.load(chained.apply(TensorSource.of(legacy))));
    assertTrue(
        e.getMessage()
            .contains(
                "decoder.mid_block.attentions.0.to_q.weight (stored as"
                    + " 'first_stage_model.decoder.mid_block.attentions.0.query.weight'):"
                    + " checkpoint [2, 2], model [16, 16]"),
        e.getMessage());
    reference.clear();
    vae.clear();
  }

  @Test
  void badInputsAndWeightsAreNamed() {
    AutoencoderKL vae = AutoencoderKL.fromPretrained(Fixtures.dir("vae/plain"));
    Scopes.run(
        () -> {
          var e =
              assertThrows(
                  IllegalArgumentException.class,
                  () -> vae.encode(Tensors.randn(Tensors.generator(0), 1, 4, 8, 8)));
          assertTrue(e.getMessage().contains("in_channels 3"), e.getMessage());
          e =
              assertThrows(
                  IllegalArgumentException.class,
                  () -> vae.decode(Tensors.randn(Tensors.generator(0), 1, 4, 8, 8)));
          assertTrue(e.getMessage().contains("latent_channels 2"), e.getMessage());
          e =
              assertThrows(
                  IllegalArgumentException.class,
                  () -> vae.decode(Tensors.randn(Tensors.generator(0), 2, 8, 8)));
          assertTrue(e.getMessage().contains("[B, 2, H, W]"), e.getMessage());
        });
    AutoencoderKL tiny =
        new AutoencoderKL(AutoencoderKL.fromPretrained(Fixtures.dir("vae/tiny")).config);
    try (SafeTensors.Reader plain =
        SafeTensors.open(
            Fixtures.dir("vae/plain").resolve("diffusion_pytorch_model.safetensors"))) {
      StateDictException e =
          assertThrows(StateDictException.class, () -> tiny.loadCheckpoint(plain));
      assertTrue(e.missing().contains("quant_conv.weight"), e.getMessage());
      assertTrue(e.getMessage().startsWith("weights do not fit AutoencoderKL"), e.getMessage());
    }
    vae.clear();
  }

  @Test
  void configDefaultsAndUnsupportedValues(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("config.json");
    Files.writeString(file, "{}");
    AutoencoderKLConfig c = AutoencoderKLConfig.read(file);
    assertEquals(0.18215, c.scalingFactor());
    assertEquals(List.of(64), c.blockOutChannels());
    assertEquals(1, c.layersPerBlock());
    assertEquals(4, c.latentChannels());
    assertNull(c.shiftFactor());
    assertTrue(
        c.useQuantConv() && c.usePostQuantConv() && c.midBlockAddAttention() && c.forceUpcast());
    // The SD / AltDiffusion VAE: 83,653,863 parameters in diffusers.
    Files.writeString(
        file,
        "{\"block_out_channels\": [128, 256, 512, 512], \"layers_per_block\": 2,"
            + " \"down_block_types\": [\"DownEncoderBlock2D\", \"DownEncoderBlock2D\","
            + " \"DownEncoderBlock2D\", \"DownEncoderBlock2D\"], \"up_block_types\":"
            + " [\"UpDecoderBlock2D\", \"UpDecoderBlock2D\", \"UpDecoderBlock2D\","
            + " \"UpDecoderBlock2D\"]}");
    assertEquals(83_653_863L, new AutoencoderKL(AutoencoderKLConfig.read(file)).parameterCount());

    Files.writeString(file, "{\"down_block_types\": [\"AttnDownEncoderBlock2D\"]}");
    var e = assertThrows(CheckpointException.class, () -> AutoencoderKLConfig.read(file));
    assertTrue(
        e.getMessage().contains("down_block_types")
            && e.getMessage().contains("accepted: DownEncoderBlock2D"),
        e.getMessage());
    Files.writeString(file, "{\"block_out_channels\": [64, 128]}");
    e = assertThrows(CheckpointException.class, () -> AutoencoderKLConfig.read(file));
    assertTrue(
        e.getMessage().contains("down_block_types")
            && e.getMessage().contains("block_out_channels has 2"),
        e.getMessage());
    Files.writeString(file, "{\"act_fn\": \"mish\"}");
    e = assertThrows(CheckpointException.class, () -> AutoencoderKLConfig.read(file));
    assertTrue(
        e.getMessage().contains("act_fn") && e.getMessage().contains("accepted: silu, swish"),
        e.getMessage());
  }
}
