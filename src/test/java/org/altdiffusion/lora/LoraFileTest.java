package org.altdiffusion.lora;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.models.Fixtures;
import org.altdiffusion.models.text.ClipTextConfig;
import org.altdiffusion.models.text.ClipTextModel;
import org.altdiffusion.nn.Module;
import org.altdiffusion.pipeline.ModelComponents;
import org.altdiffusion.pipeline.PipelineLoader;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading LoRA files against the tiny AltDiffusion model: names, scales, shapes, refusals. */
class LoraFileTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/lora");
  static final Path MODEL = Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion");
  static final String TO_Q = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
  static final String KOHYA_TO_Q = "lora_unet_" + TO_Q.replace('.', '_');
  static ModelComponents model;
  static List<LoraTarget> targets;
  static Generator gen;

  @BeforeAll
  static void load() {
    Torch.init();
    model = PipelineLoader.load(MODEL).components();
    targets =
        List.of(
            new LoraTarget(LoraTarget.UNET, model.unet()),
            new LoraTarget(LoraTarget.TEXT_ENCODER, (Module) model.textEncoder()));
    gen = Tensors.generator(5);
  }

  static LoraFile read(Path file, List<String> warnings) {
    return LoraFile.read(file, targets, warnings::add);
  }

  static Path write(Path dir, String name, Map<String, Tensor> tensors) {
    Path f = dir.resolve(name);
    SafeTensors.write(f, tensors, Map.of());
    return f;
  }

  /** A kohya to_q layer ([16, 16] in the tiny UNet) of rank 4, with the given alpha or none. */
  static Map<String, Tensor> kohyaToQ(Double alpha) {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put(KOHYA_TO_Q + ".lora_down.weight", Tensors.randn(gen, 4, 16));
    t.put(KOHYA_TO_Q + ".lora_up.weight", Tensors.randn(gen, 16, 4));
    if (alpha != null)
      t.put(KOHYA_TO_Q + ".alpha", Tensors.fromFloats(new float[] {alpha.floatValue()}));
    return t;
  }

  @Test
  void kohyaLoConFileResolvesEveryLayerWithItsScaleAndPtReadsTheSame() {
    List<String> warnings = new ArrayList<>();
    LoraFile st = read(DIR.resolve("kohya_locon.safetensors"), warnings);
    LoraFile pt = read(DIR.resolve("kohya_locon.pt"), warnings);
    assertEquals(List.of(), warnings);
    assertEquals(11, st.layers().size());
    Map<String, LoraFile.Layer> byPath = new LinkedHashMap<>();
    for (LoraFile.Layer l : st.layers()) byPath.put(l.path(), l);
    LoraFile.Layer conv = byPath.get("down_blocks.0.resnets.0.conv1"); // LoCon 3x3, alpha 2, rank 4
    assertArrayEquals(new long[] {4, 16, 3, 3}, Tensors.shape(conv.down()));
    assertEquals(0.5, conv.scale(), 1e-12);
    assertEquals(
        2.0,
        byPath.get("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0").scale(),
        1e-12);
    assertEquals(1.0, byPath.get("up_blocks.1.resnets.0.conv2").scale(), 1e-12); // alpha 2, rank 2
    assertEquals("lora_unet_down_blocks_0_resnets_0_conv1", conv.storedName());
    assertEquals(11, pt.layers().size());
    for (LoraFile.Layer b : pt.layers()) {
      LoraFile.Layer a = byPath.get(b.path());
      assertEquals(a.scale(), b.scale(), b.path());
      assertTrue(a.down().equal(b.down()) && a.up().equal(b.up()), b.path());
    }
  }

  @Test
  void alphaAbsentOrZeroMeansRankOtherwiseAlphaOverRank(@TempDir Path tmp) {
    List<String> w = new ArrayList<>();
    assertEquals(
        1.0, read(write(tmp, "none.safetensors", kohyaToQ(null)), w).layers().get(0).scale());
    assertEquals(
        1.0, read(write(tmp, "zero.safetensors", kohyaToQ(0.0)), w).layers().get(0).scale());
    assertEquals(
        0.25, read(write(tmp, "one.safetensors", kohyaToQ(1.0)), w).layers().get(0).scale());
  }

  @Test
  void mergesUpTimesDownWithWeightAndScaleThenRestoresBitForBit(@TempDir Path tmp) {
    Path f = write(tmp, "q.safetensors", kohyaToQ(2.0));
    var weight = model.unet().find(TO_Q).ownParameters().get("weight");
    Tensor before = weight.get().detach().clone();
    LoraFile file = read(f, new ArrayList<>());
    LoraFile.Layer layer = file.layers().get(0);
    Tensor expected =
        before.add(layer.up().matmul(layer.down()).mul(new org.bytedeco.pytorch.Scalar(0.7 * 0.5)));
    try (AppliedLoras applied =
        AppliedLoras.apply(List.of(new LoraSpec(f, 0.7)), targets, s -> {})) {
      assertEquals(1, applied.changedWeights());
      assertTrue(Tensors.maxAbsDiff(weight.get(), expected) < 1e-6);
      assertFalse(weight.get().equal(before));
    }
    assertTrue(weight.get().equal(before), "the original weight is back bit for bit");
  }

  @Test
  void aLoraForAnotherBaseNamesTheLayerAndBothShapes(@TempDir Path tmp) {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put(KOHYA_TO_Q + ".lora_down.weight", Tensors.randn(gen, 4, 20));
    t.put(KOHYA_TO_Q + ".lora_up.weight", Tensors.randn(gen, 16, 4));
    Path f = write(tmp, "other.safetensors", t);
    var weight = model.unet().find(TO_Q).ownParameters().get("weight");
    Tensor before = weight.get().detach().clone();
    LoraException e =
        assertThrows(
            LoraException.class,
            () ->
                AppliedLoras.apply(
                    List.of(new LoraSpec(DIR.resolve("peft.safetensors"), 1), new LoraSpec(f, 1)),
                    targets,
                    s -> {}));
    assertTrue(e.getMessage().contains("other.safetensors"), e.getMessage());
    assertTrue(e.getMessage().contains(KOHYA_TO_Q), e.getMessage());
    assertTrue(
        e.getMessage().contains("[16, 20]") && e.getMessage().contains("[16, 16]"), e.getMessage());
    assertTrue(weight.get().equal(before), "a failed apply changes nothing");
  }

  @Test
  void keysOfNoLayerAreWarnedWithCountAndNames(@TempDir Path tmp) {
    Map<String, Tensor> t = kohyaToQ(4.0);
    t.put("lora_unet_down_blocks_7_nothing.lora_down.weight", Tensors.randn(gen, 4, 16));
    t.put("lora_unet_down_blocks_7_nothing.lora_up.weight", Tensors.randn(gen, 16, 4));
    List<String> warnings = new ArrayList<>();
    LoraFile file = read(write(tmp, "extra.safetensors", t), warnings);
    assertEquals(1, file.layers().size());
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("2 keys match no layer"), warnings.get(0));
    assertTrue(
        warnings.get(0).contains("lora_unet_down_blocks_7_nothing.lora_down.weight"),
        warnings.get(0));
  }

  @Test
  void aClipTextEncoderPartIsSkippedWithOneWarning(@TempDir Path tmp) {
    Map<String, Tensor> t = kohyaToQ(4.0);
    String te = "lora_te_text_model_encoder_layers_0_self_attn_q_proj";
    t.put(te + ".lora_down.weight", Tensors.randn(gen, 4, 32));
    t.put(te + ".lora_up.weight", Tensors.randn(gen, 32, 4));
    t.put(te + ".alpha", Tensors.fromFloats(new float[] {4}));
    List<String> warnings = new ArrayList<>();
    LoraFile file = read(write(tmp, "clip.safetensors", t), warnings);
    assertEquals(1, file.layers().size());
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("skipped 3 text-encoder keys"), warnings.get(0));
    assertTrue(warnings.get(0).contains("XLM-R"), warnings.get(0));
  }

  @Test
  void aPeftTextEncoderPartThatFitsIsApplied(@TempDir Path tmp) {
    Module encoder = (Module) model.textEncoder();
    String path = targets.get(1).layers().keySet().iterator().next();
    long[] shape = encoder.find(path).ownParameters().get("weight").shape();
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("text_encoder." + path + ".lora_A.weight", Tensors.randn(gen, 2, shape[1]));
    t.put("text_encoder." + path + ".lora_B.weight", Tensors.randn(gen, shape[0], 2));
    LoraFile file = read(write(tmp, "te.safetensors", t), new ArrayList<>());
    assertEquals(LoraTarget.TEXT_ENCODER, file.layers().get(0).component());
    assertEquals(path, file.layers().get(0).path());
  }

  /** A kohya text-encoder part applies to a CLIP text encoder, merged and restored exactly. */
  @Test
  void aKohyaClipTextEncoderPartAppliesToAClipEncoder(@TempDir Path tmp) throws Exception {
    ClipTextModel clip =
        new ClipTextModel(
            ClipTextConfig.read(Fixtures.dir("text/clip_quick").resolve("config.json")));
    clip.initialize(Tensors.generator(1));
    var q = clip.find("text_model.encoder.layers.0.self_attn.q_proj").ownParameters().get("weight");
    long[] shape = q.shape();
    Map<String, Tensor> t = kohyaToQ(4.0);
    String te = "lora_te_text_model_encoder_layers_0_self_attn_q_proj";
    t.put(te + ".lora_down.weight", Tensors.randn(gen, 2, shape[1]));
    t.put(te + ".lora_up.weight", Tensors.randn(gen, shape[0], 2));
    t.put(te + ".alpha", Tensors.fromFloats(new float[] {1}));
    Path f = write(tmp, "clip_te.safetensors", t);
    List<LoraTarget> withClip =
        List.of(
            new LoraTarget(LoraTarget.UNET, model.unet()),
            new LoraTarget(LoraTarget.TEXT_ENCODER, clip));
    List<String> warnings = new ArrayList<>();
    LoraFile file = LoraFile.read(f, withClip, warnings::add);
    assertEquals(List.of(), warnings);
    LoraFile.Layer layer =
        file.layers().stream()
            .filter(l -> l.component().equals(LoraTarget.TEXT_ENCODER))
            .findFirst()
            .orElseThrow();
    assertEquals("text_model.encoder.layers.0.self_attn.q_proj", layer.path());
    assertEquals(0.5, layer.scale(), 1e-12);
    Tensor before = q.get().detach().clone();
    try (AppliedLoras applied =
        AppliedLoras.apply(List.of(new LoraSpec(f, 1.0)), withClip, s -> {})) {
      assertEquals(2, applied.changedWeights());
      Tensor expected =
          before.add(layer.up().matmul(layer.down()).mul(new org.bytedeco.pytorch.Scalar(0.5)));
      assertTrue(Tensors.maxAbsDiff(q.get(), expected) < 1e-6);
    }
    assertTrue(q.get().equal(before));
  }

  @Test
  void aLonePeftAdapterTakesAlphaFromAdapterConfig(@TempDir Path tmp) throws Exception {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("base_model.model." + TO_Q + ".lora_A.weight", Tensors.randn(gen, 4, 16));
    t.put("base_model.model." + TO_Q + ".lora_B.weight", Tensors.randn(gen, 16, 4));
    Path f = write(tmp, "adapter_model.safetensors", t);
    Files.writeString(
        tmp.resolve("adapter_config.json"), "{\"r\": 4, \"lora_alpha\": 8, \"use_dora\": false}");
    assertEquals(2.0, read(f, new ArrayList<>()).layers().get(0).scale(), 1e-12);
    Files.writeString(
        tmp.resolve("adapter_config.json"), "{\"r\": 4, \"lora_alpha\": 8, \"use_dora\": true}");
    LoraException e = assertThrows(LoraException.class, () -> read(f, new ArrayList<>()));
    assertTrue(e.getMessage().contains("DoRA"), e.getMessage());
  }

  @Test
  void lycorisAndDoraAreRefusedByName(@TempDir Path tmp) {
    Map<String, Tensor> loha = new LinkedHashMap<>();
    loha.put(KOHYA_TO_Q + ".hada_w1_a", Tensors.randn(gen, 16, 4));
    loha.put(KOHYA_TO_Q + ".hada_w1_b", Tensors.randn(gen, 4, 16));
    assertRefused(write(tmp, "loha.safetensors", loha), "LoHa");
    Map<String, Tensor> lokr = new LinkedHashMap<>();
    lokr.put(KOHYA_TO_Q + ".lokr_w1", Tensors.randn(gen, 4, 4));
    assertRefused(write(tmp, "lokr.safetensors", lokr), "LoKr");
    Map<String, Tensor> dora = kohyaToQ(4.0);
    dora.put(KOHYA_TO_Q + ".dora_scale", Tensors.randn(gen, 1, 16));
    assertRefused(write(tmp, "dora.safetensors", dora), "DoRA");
    Map<String, Tensor> peftDora = new LinkedHashMap<>();
    peftDora.put("unet." + TO_Q + ".lora_A.weight", Tensors.randn(gen, 4, 16));
    peftDora.put("unet." + TO_Q + ".lora_B.weight", Tensors.randn(gen, 16, 4));
    peftDora.put("unet." + TO_Q + ".lora_magnitude_vector", Tensors.randn(gen, 16));
    assertRefused(write(tmp, "peftdora.safetensors", peftDora), "DoRA");
    Map<String, Tensor> ia3 = new LinkedHashMap<>();
    ia3.put(KOHYA_TO_Q + ".weight", Tensors.randn(gen, 16));
    ia3.put(KOHYA_TO_Q + ".on_input", Tensors.fromFloats(new float[] {1}));
    assertRefused(write(tmp, "ia3.safetensors", ia3), "IA3");
    Map<String, Tensor> oldDiffusers = new LinkedHashMap<>();
    String proc = "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_q_lora";
    oldDiffusers.put(proc + ".down.weight", Tensors.randn(gen, 4, 16));
    oldDiffusers.put(proc + ".up.weight", Tensors.randn(gen, 16, 4));
    assertRefused(write(tmp, "old.safetensors", oldDiffusers), "attention-processor");
  }

  /**
   * The kohya fixture renamed to the original Stable Diffusion (LDM) layout, the names written out
   * by hand for the tiny UNet (1 layer per block; down block 0 and up block 1 have attentions),
   * reads as the same layers.
   */
  @Test
  void ldmLayoutNamesReadAsTheSameLayers(@TempDir Path tmp) {
    Map<String, String> ldmOf = new LinkedHashMap<>();
    String t0 = "down_blocks.0.attentions.0.transformer_blocks.0.";
    ldmOf.put(t0 + "attn1.to_q", "input_blocks.1.1.transformer_blocks.0.attn1.to_q");
    ldmOf.put(t0 + "attn1.to_v", "input_blocks.1.1.transformer_blocks.0.attn1.to_v");
    ldmOf.put(t0 + "attn2.to_k", "input_blocks.1.1.transformer_blocks.0.attn2.to_k");
    ldmOf.put(t0 + "attn1.to_out.0", "input_blocks.1.1.transformer_blocks.0.attn1.to_out.0");
    ldmOf.put(t0 + "ff.net.2", "input_blocks.1.1.transformer_blocks.0.ff.net.2");
    ldmOf.put("down_blocks.0.attentions.0.proj_in", "input_blocks.1.1.proj_in");
    ldmOf.put("up_blocks.1.attentions.0.proj_out", "output_blocks.2.1.proj_out");
    ldmOf.put(
        "mid_block.attentions.0.transformer_blocks.0.attn2.to_v",
        "middle_block.1.transformer_blocks.0.attn2.to_v");
    ldmOf.put("down_blocks.0.resnets.0.conv1", "input_blocks.1.0.in_layers.2");
    ldmOf.put("up_blocks.1.resnets.0.conv2", "output_blocks.2.0.out_layers.3");
    ldmOf.put("up_blocks.1.resnets.0.conv_shortcut", "output_blocks.2.0.skip_connection");
    Map<String, Tensor> renamed = new LinkedHashMap<>();
    try (var src = SafeTensors.open(DIR.resolve("kohya_locon.safetensors"))) {
      for (String k : src.keys()) {
        String key = k;
        for (var e : ldmOf.entrySet()) {
          String from = "lora_unet_" + e.getKey().replace('.', '_') + ".";
          if (k.startsWith(from))
            key = "lora_unet_" + e.getValue().replace('.', '_') + "." + k.substring(from.length());
        }
        assertFalse(key.equals(k), k + " renamed");
        renamed.put(key, src.load(k));
      }
    }
    // also a downsampler and an upsampler (LDM: op, and conv after the resnets)
    renamed.put("lora_unet_input_blocks_2_0_op.lora_down.weight", Tensors.randn(gen, 2, 16, 3, 3));
    renamed.put("lora_unet_input_blocks_2_0_op.lora_up.weight", Tensors.randn(gen, 16, 2, 1, 1));
    renamed.put(
        "lora_unet_output_blocks_1_1_conv.lora_down.weight", Tensors.randn(gen, 2, 32, 3, 3));
    renamed.put("lora_unet_output_blocks_1_1_conv.lora_up.weight", Tensors.randn(gen, 32, 2, 1, 1));
    List<String> warnings = new ArrayList<>();
    LoraFile ldm = read(write(tmp, "ldm.safetensors", renamed), warnings);
    assertEquals(List.of(), warnings);
    LoraFile diffusers = read(DIR.resolve("kohya_locon.safetensors"), warnings);
    Map<String, LoraFile.Layer> byPath = new LinkedHashMap<>();
    for (LoraFile.Layer l : ldm.layers()) byPath.put(l.path(), l);
    assertEquals(13, byPath.size());
    assertTrue(byPath.containsKey("down_blocks.0.downsamplers.0.conv"), byPath.keySet().toString());
    assertTrue(byPath.containsKey("up_blocks.0.upsamplers.0.conv"), byPath.keySet().toString());
    for (LoraFile.Layer d : diffusers.layers()) {
      LoraFile.Layer l = byPath.get(d.path());
      assertNotNull(l, d.path());
      assertEquals(d.scale(), l.scale());
      assertTrue(d.down().equal(l.down()) && d.up().equal(l.up()), d.path());
    }
  }

  static void assertRefused(Path file, String kind) {
    LoraException e = assertThrows(LoraException.class, () -> read(file, new ArrayList<>()));
    assertTrue(e.getMessage().contains(kind), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  void randomBytesTruncatedFilesAndFullCheckpointsAreClearErrorsNamingTheFile(@TempDir Path tmp)
      throws Exception {
    byte[] noise = new byte[4096];
    new Random(3).nextBytes(noise);
    Path random = tmp.resolve("random.safetensors");
    Files.write(random, noise);
    assertErrorNames(random, null);
    byte[] good = Files.readAllBytes(DIR.resolve("kohya_locon.safetensors"));
    Path truncated = tmp.resolve("truncated.safetensors");
    Files.write(truncated, java.util.Arrays.copyOf(good, good.length / 2));
    assertErrorNames(truncated, null);
    Path checkpoint = MODEL.resolve("unet/diffusion_pytorch_model.safetensors");
    RuntimeException e = assertErrorNames(checkpoint, "not a LoRA file");
    assertTrue(e.getMessage().contains("full model checkpoint"), e.getMessage());
    Map<String, Tensor> foreign = new LinkedHashMap<>();
    foreign.put("lora_unet_no_such_layer.lora_down.weight", Tensors.randn(gen, 4, 16));
    foreign.put("lora_unet_no_such_layer.lora_up.weight", Tensors.randn(gen, 16, 4));
    assertErrorNames(write(tmp, "foreign.safetensors", foreign), "names a layer of this model");
  }

  static RuntimeException assertErrorNames(Path file, String text) {
    RuntimeException e = assertThrows(RuntimeException.class, () -> read(file, new ArrayList<>()));
    assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
    if (text != null) assertTrue(e.getMessage().contains(text), e.getMessage());
    return e;
  }

  @Test
  void hashesAreA1111s() throws Exception {
    JsonNode expected = new ObjectMapper().readTree(DIR.resolve("hashes.json").toFile());
    for (String name : List.of("kohya_locon.safetensors", "peft.safetensors", "kohya_locon.pt"))
      assertEquals(expected.get(name).asText(), LoraHashes.hash(DIR.resolve(name)), name);
    assertEquals(
        "kohya_locon: "
            + expected.get("kohya_locon.safetensors").asText().substring(0, 12)
            + ", peft: "
            + expected.get("peft.safetensors").asText().substring(0, 12),
        LoraHashes.infotextValue(
            List.of(
                new LoraSpec(DIR.resolve("kohya_locon.safetensors"), 0.7),
                new LoraSpec(DIR.resolve("peft.safetensors"), -0.3))));
  }

  @Test
  void specsParseFileAndWeight() {
    assertEquals(new LoraSpec(Path.of("a.safetensors"), 1.0), LoraSpec.parse("a.safetensors"));
    assertEquals(
        new LoraSpec(Path.of("dir/a.safetensors"), -0.3), LoraSpec.parse("dir/a.safetensors:-0.3"));
    assertEquals(
        new LoraSpec(Path.of("C:\\l\\a.safetensors"), 1.0), LoraSpec.parse("C:\\l\\a.safetensors"));
    assertEquals(
        new LoraSpec(Path.of("C:\\l\\a.safetensors"), 0.5),
        LoraSpec.parse("C:\\l\\a.safetensors:0.5"));
    assertEquals(
        new LoraSpec(Path.of("dir/a.safetensors"), 0.5, -1.0),
        LoraSpec.parse("dir/a.safetensors:0.5:-1"));
    assertEquals(
        new LoraSpec(Path.of("C:\\l\\a.safetensors"), 0.5, 2),
        LoraSpec.parse("C:\\l\\a.safetensors:0.5:2"));
    assertEquals(new LoraSpec(Path.of("x:y.pt"), 1, 1), LoraSpec.parse("x:y.pt:1"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LoraSpec.parse("a.safetensors:strong"));
    assertTrue(e.getMessage().contains("'strong' is not a number"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LoraSpec.parse("a.safetensors:NaN"));
    assertThrows(IllegalArgumentException.class, () -> LoraSpec.parse(":1"));
  }
}
