package org.altdiffusion.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.io.keys.formats.LdmSingleFile;

/**
 * The diffusers configs of an LDM single file, read from the shapes of its weights as diffusers'
 * {@code from_single_file} decides them: the model type from key names and shapes ({@code
 * infer_diffusers_model_type}: 9 input channels = inpainting, a cross-attention width of 1024 = SD
 * 2.x, 768 pixels and v-prediction unless the {@code .ckpt}'s {@code global_step} is SD 2 base's
 * 875000), the UNet's blocks from {@code input_blocks}, the VAE's from {@code encoder.down}, the
 * text encoder's from its embeddings and layers. What weights cannot tell takes the original
 * configs' values: 8 attention heads (SD 1.x) or 64 channels per head (SD 2.x), 32 norm groups and
 * scaling factor 0.18215 in the VAE, 64 channels per head in the text encoders.
 */
final class LdmConfigs {
  private LdmConfigs() {}

  static final ObjectMapper JSON = new ObjectMapper();

  /** The text encoders single files carry. */
  enum TextKind {
    CLIP("CLIP ViT-L (cond_stage_model.transformer.text_model.*)"),
    OPEN_CLIP("OpenCLIP ViT-H (cond_stage_model.model.transformer.resblocks.*)"),
    XLMR("XLM-R of AltDiffusion (cond_stage_model.roberta.*)");

    final String description;

    TextKind(String description) {
      this.description = description;
    }
  }

  /** The key whose presence marks a UNet. */
  static final String UNET_CONV_IN = LdmSingleFile.UNET + "input_blocks.0.0.weight";

  /** The text encoder in {@code keys}, or an error listing what was looked for. */
  static TextKind textKind(Path file, Set<String> keys) {
    if (keys.contains(LdmSingleFile.CLIP + "text_model.embeddings.token_embedding.weight"))
      return TextKind.CLIP;
    if (keys.contains(LdmSingleFile.OPEN_CLIP + "token_embedding.weight"))
      return TextKind.OPEN_CLIP;
    if (keys.contains(LdmSingleFile.TEXT + "roberta.embeddings.word_embeddings.weight"))
      return TextKind.XLMR;
    StringBuilder b = new StringBuilder("no text encoder found; accepted:");
    for (TextKind k : TextKind.values()) b.append("\n    ").append(k.description);
    throw new CheckpointException(file, b.toString());
  }

  /** Whether the model is SD 2.x-like (cross-attention width 1024), diffusers' "v2". */
  static boolean isV2(TensorSource s) {
    String key = LdmSingleFile.UNET + "input_blocks.2.1.transformer_blocks.0.attn2.to_k.weight";
    return s.keys().contains(key) && last(s.shape(key)) == 1024;
  }

  /**
   * The {@code global_step} of Stable Diffusion 2 base (512 pixels, epsilon): diffusers' conversion
   * ({@code convert_from_ckpt}, and {@code from_single_file}'s legacy scheduler) takes an SD 2.x
   * checkpoint with this step for a 512 epsilon model, any other for 768 v-prediction.
   */
  static final long SD2_BASE_GLOBAL_STEP = 875000;

  /**
   * Whether the file is an SD 2.x 768 v-prediction model as diffusers decides it: SD 2.x shapes,
   * not inpainting, and a {@code global_step} (of a {@code .ckpt}; none in safetensors) other than
   * SD 2 base's.
   */
  static boolean isV768(TensorSource s, OptionalLong globalStep) {
    boolean base = globalStep.isPresent() && globalStep.getAsLong() == SD2_BASE_GLOBAL_STEP;
    return isV2(s) && !isInpainting(s) && !base;
  }

  /** Whether the UNet takes 9 channels (inpainting). */
  static boolean isInpainting(TensorSource s) {
    return s.shape(UNET_CONV_IN)[1] == 9;
  }

  /** The UNet config (diffusers names) from the shapes under {@code model.diffusion_model.}. */
  static ObjectNode unet(Path file, TensorSource s, int vaeFactor, OptionalLong globalStep) {
    String p = LdmSingleFile.UNET;
    long[] convIn = s.shape(p + "input_blocks.0.0.weight"); // [C, in, 3, 3]
    int inputBlocks =
        count(s.keys(), Pattern.compile(Pattern.quote(p) + "input_blocks\\.(\\d+)\\..*"));
    int downsamplers =
        count(
            s.keys(),
            Pattern.compile(Pattern.quote(p) + "input_blocks\\.(\\d+)\\.0\\.op\\.weight"));
    int levels = downsamplers + 1;
    int layers = (inputBlocks - 1 - downsamplers) / levels;
    if (layers < 1 || 1 + levels * layers + downsamplers != inputBlocks)
      throw new CheckpointException(
          file, "the UNet's input_blocks (" + inputBlocks + ") fit no block structure");
    ArrayNode channels = JSON.createArrayNode();
    ArrayNode down = JSON.createArrayNode();
    ArrayNode up = JSON.createArrayNode();
    ArrayNode heads = JSON.createArrayNode();
    String attention = null;
    for (int i = 0; i < levels; i++) {
      String block = p + "input_blocks." + (1 + i * (layers + 1));
      long c = shape(file, s, block + ".0.out_layers.3.weight")[0];
      channels.add(c);
      heads.add(Math.max(1, c / 64));
      boolean attn = s.keys().contains(block + ".1.proj_in.weight");
      if (attn && attention == null) attention = block + ".1";
      down.add(attn ? "CrossAttnDownBlock2D" : "DownBlock2D");
      boolean upAttn =
          s.keys().contains(p + "output_blocks." + i * (layers + 1) + ".1.proj_in.weight");
      up.add(upAttn ? "CrossAttnUpBlock2D" : "UpBlock2D");
    }
    if (attention == null)
      throw new CheckpointException(
          file, "the UNet has no cross-attention (no input_blocks.N.1.proj_in)");
    boolean v2 = isV2(s);
    ObjectNode c = JSON.createObjectNode();
    c.put("_class_name", "UNet2DConditionModel");
    c.put("sample_size", (isV768(s, globalStep) ? 768 : 512) / vaeFactor);
    c.put("in_channels", convIn[1]);
    c.put("out_channels", shape(file, s, p + "out.2.weight")[0]);
    c.set("down_block_types", down);
    c.set("up_block_types", up);
    c.set("block_out_channels", channels);
    c.put("layers_per_block", layers);
    c.put(
        "cross_attention_dim",
        last(shape(file, s, attention + ".transformer_blocks.0.attn2.to_k.weight")));
    c.put("use_linear_projection", shape(file, s, attention + ".proj_in.weight").length == 2);
    c.put(
        "transformer_layers_per_block",
        count(
            s.keys(),
            Pattern.compile(Pattern.quote(attention) + "\\.transformer_blocks\\.(\\d+)\\..*")));
    if (v2) c.set("attention_head_dim", heads);
    else c.put("attention_head_dim", 8);
    return c;
  }

  /** The VAE config from the shapes under {@code prefix}. */
  static ObjectNode vae(Path file, TensorSource s, String prefix, int imageSize) {
    long[] convIn = shape(file, s, prefix + "encoder.conv_in.weight"); // [ch, in, 3, 3]
    int levels =
        count(s.keys(), Pattern.compile(Pattern.quote(prefix) + "encoder\\.down\\.(\\d+)\\..*"));
    int layers =
        count(
            s.keys(),
            Pattern.compile(Pattern.quote(prefix) + "encoder\\.down\\.0\\.block\\.(\\d+)\\..*"));
    if (levels == 0 || layers == 0)
      throw new CheckpointException(file, "the VAE has no encoder.down.N.block.M blocks");
    ArrayNode channels = JSON.createArrayNode();
    ArrayNode down = JSON.createArrayNode();
    ArrayNode up = JSON.createArrayNode();
    for (int i = 0; i < levels; i++) {
      channels.add(shape(file, s, prefix + "encoder.down." + i + ".block.0.conv2.weight")[0]);
      down.add("DownEncoderBlock2D");
      up.add("UpDecoderBlock2D");
    }
    ObjectNode c = JSON.createObjectNode();
    c.put("_class_name", "AutoencoderKL");
    c.put("sample_size", imageSize);
    c.put("in_channels", convIn[1]);
    c.put("out_channels", shape(file, s, prefix + "decoder.conv_out.weight")[0]);
    c.set("down_block_types", down);
    c.set("up_block_types", up);
    c.set("block_out_channels", channels);
    c.put("layers_per_block", layers);
    c.put("latent_channels", shape(file, s, prefix + "decoder.conv_in.weight")[1]);
    c.put("norm_num_groups", 32);
    c.put("scaling_factor", 0.18215);
    c.put("use_quant_conv", s.keys().contains(prefix + "quant_conv.weight"));
    c.put("use_post_quant_conv", s.keys().contains(prefix + "post_quant_conv.weight"));
    c.put("mid_block_add_attention", s.keys().contains(prefix + "encoder.mid.attn_1.q.weight"));
    return c;
  }

  /** The text encoder's config (transformers names). */
  static ObjectNode text(Path file, TensorSource s, TextKind kind) {
    ObjectNode c = JSON.createObjectNode();
    switch (kind) {
      case CLIP -> {
        String p = LdmSingleFile.CLIP + "text_model.";
        long[] tokens = shape(file, s, p + "embeddings.token_embedding.weight"); // [V, D]
        clip(c, tokens, shape(file, s, p + "embeddings.position_embedding.weight")[0]);
        c.put("num_hidden_layers", count(s.keys(), layerPattern(p + "encoder.layers.")));
        c.put("intermediate_size", shape(file, s, p + "encoder.layers.0.mlp.fc1.weight")[0]);
        c.put("hidden_act", "quick_gelu");
      }
      case OPEN_CLIP -> {
        String p = LdmSingleFile.OPEN_CLIP;
        long[] tokens = shape(file, s, p + "token_embedding.weight");
        clip(c, tokens, shape(file, s, p + "positional_embedding")[0]);
        int blocks = count(s.keys(), layerPattern(p + "transformer.resblocks."));
        if (blocks < 2)
          throw new CheckpointException(file, "the OpenCLIP text encoder has fewer than 2 blocks");
        // SD 2.x conditions on the penultimate layer: the last block is not used
        c.put("num_hidden_layers", blocks - 1);
        c.put(
            "intermediate_size", shape(file, s, p + "transformer.resblocks.0.mlp.c_fc.weight")[0]);
        c.put("hidden_act", "gelu");
      }
      case XLMR -> xlmr(file, s, c);
    }
    return c;
  }

  private static void clip(ObjectNode c, long[] tokens, long positions) {
    c.set("architectures", JSON.createArrayNode().add("CLIPTextModel"));
    c.put("model_type", "clip_text_model");
    c.put("vocab_size", tokens[0]);
    c.put("hidden_size", tokens[1]);
    c.put("num_attention_heads", Math.max(1, tokens[1] / 64));
    c.put("max_position_embeddings", positions);
    c.put("projection_dim", tokens[1]);
    c.put("layer_norm_eps", 1e-5);
    c.put("pad_token_id", 1);
    c.put("bos_token_id", 0);
    c.put("eos_token_id", 2);
  }

  private static void xlmr(Path file, TensorSource s, ObjectNode c) {
    String p = LdmSingleFile.TEXT;
    long[] words = shape(file, s, p + "roberta.embeddings.word_embeddings.weight"); // [V, D]
    c.set("architectures", JSON.createArrayNode().add("RobertaSeriesModelWithTransformation"));
    c.put("model_type", "xlm-roberta");
    c.put("vocab_size", words[0]);
    c.put("hidden_size", words[1]);
    c.put("num_attention_heads", Math.max(1, words[1] / 64));
    c.put("num_hidden_layers", count(s.keys(), layerPattern(p + "roberta.encoder.layer.")));
    c.put(
        "intermediate_size",
        shape(file, s, p + "roberta.encoder.layer.0.intermediate.dense.weight")[0]);
    c.put(
        "max_position_embeddings",
        shape(file, s, p + "roberta.embeddings.position_embeddings.weight")[0]);
    c.put(
        "type_vocab_size",
        shape(file, s, p + "roberta.embeddings.token_type_embeddings.weight")[0]);
    c.put("project_dim", shape(file, s, p + "transformation.weight")[0]);
    c.put("has_pre_transformation", s.keys().contains(p + "transformation_pre.weight"));
    c.put("hidden_act", "gelu");
    c.put("layer_norm_eps", 1e-5);
    c.put("pad_token_id", 1);
    c.put("bos_token_id", 0);
    c.put("eos_token_id", 2);
    c.put("use_attention_mask", true);
  }

  /**
   * The scheduler of a single file: PNDM with Stable Diffusion's schedule (diffusers' {@code
   * SCHEDULER_DEFAULT_CONFIG}); v-prediction for SD 2.x 768 models ({@link #isV768}: diffusers
   * decides so when a checkpoint has no {@code global_step} of 875000, which safetensors files
   * never carry).
   */
  static ObjectNode scheduler(TensorSource s, OptionalLong globalStep) {
    ObjectNode c = JSON.createObjectNode();
    c.put("_class_name", "PNDMScheduler");
    c.put("beta_schedule", "scaled_linear");
    c.put("beta_start", 0.00085);
    c.put("beta_end", 0.012);
    c.put("num_train_timesteps", 1000);
    c.put("prediction_type", isV768(s, globalStep) ? "v_prediction" : "epsilon");
    c.put("set_alpha_to_one", false);
    c.put("skip_prk_steps", true);
    c.put("steps_offset", 1);
    c.put("timestep_spacing", "leading");
    return c;
  }

  static Pattern layerPattern(String prefix) {
    return Pattern.compile(Pattern.quote(prefix) + "(\\d+)\\..*");
  }

  /** The number of distinct values of group 1 of {@code pattern} over {@code keys}. */
  static int count(Set<String> keys, Pattern pattern) {
    Set<Integer> seen = new TreeSet<>();
    for (String k : keys) {
      Matcher m = pattern.matcher(k);
      if (m.matches()) seen.add(Integer.parseInt(m.group(1)));
    }
    return seen.size();
  }

  static long[] shape(Path file, TensorSource s, String key) {
    if (!s.keys().contains(key))
      throw new CheckpointException(
          file, "missing weight '" + key + "' (truncated or not an LDM checkpoint?)");
    return s.shape(key);
  }

  private static long last(long[] shape) {
    return shape[shape.length - 1];
  }

  /** The integers of a JSON array. */
  static List<Long> longs(JsonNode array) {
    List<Long> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asLong()));
    return out;
  }
}
