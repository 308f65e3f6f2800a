package org.altdiffusion.tiny.recipe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The config files of the tiny models, written in the exact formats of the real checkpoints
 * (diffusers {@code config.json} / {@code scheduler_config.json} / {@code model_index.json},
 * transformers {@code config.json}), so that the same loaders read them.
 */
public final class TinyModelFiles {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String DIFFUSERS_VERSION = "0.30.3";

  private TinyModelFiles() {}

  /**
   * AutoencoderKL with a downscale factor of 4 (three blocks): 64x64 pictures become 16x16x4
   * latents, so even a small shape (radius 7 px) spans several latent cells.
   *
   * @param scalingFactor 1 / std of the latents (measured after training; 1 before)
   */
  public static ObjectNode vaeConfig(double scalingFactor) {
    ObjectNode o = diffusers("AutoencoderKL");
    o.put("act_fn", "silu");
    o.set("block_out_channels", ints(16, 32, 64));
    o.set(
        "down_block_types",
        strings("DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"));
    o.put("force_upcast", true);
    o.put("in_channels", 3);
    o.put("latent_channels", 4);
    o.putNull("latents_mean");
    o.putNull("latents_std");
    o.put("layers_per_block", 1);
    o.put("mid_block_add_attention", true);
    o.put("norm_num_groups", 8);
    o.put("out_channels", 3);
    o.put("sample_size", 64);
    o.put("scaling_factor", scalingFactor);
    o.putNull("shift_factor");
    o.set("up_block_types", strings("UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"));
    o.put("use_post_quant_conv", true);
    o.put("use_quant_conv", true);
    return o;
  }

  /**
   * UNet2DConditionModel on 16x16x4 latents, cross-attending to 128-wide text vectors, with spatial
   * transformers at the levels {@code size.attention()} names. The recipe leaves the 16x16 level
   * without one (as SD leaves its coarsest): attention over 256 tokens was 40% of an inference step
   * and of a training step.
   */
  public static ObjectNode unetConfig(RecipeSettings.UNetSize size) {
    ObjectNode o = diffusers("UNet2DConditionModel");
    o.put("act_fn", "silu");
    o.putNull("addition_embed_type");
    o.put("addition_embed_type_num_heads", 64);
    o.putNull("addition_time_embed_dim");
    o.set("attention_head_dim", ints(size.heads(), size.heads(), size.heads()));
    o.put("attention_type", "default");
    o.set("block_out_channels", ints(size.channels()[0], size.channels()[1], size.channels()[2]));
    o.put("center_input_sample", false);
    o.putNull("class_embed_type");
    o.put("class_embeddings_concat", false);
    o.put("conv_in_kernel", 3);
    o.put("conv_out_kernel", 3);
    o.put("cross_attention_dim", RecipeSettings.TEXT_WIDTH);
    o.putNull("cross_attention_norm");
    String[] down = new String[3];
    String[] up = new String[3];
    for (int level = 0; level < 3; level++) {
      down[level] = size.attention()[level] ? "CrossAttnDownBlock2D" : "DownBlock2D";
      up[2 - level] =
          size.attention()[level]
              ? "CrossAttnUpBlock2D"
              : "UpBlock2D"; // up blocks run from the coarsest level
    }
    o.set("down_block_types", strings(down));
    o.put("downsample_padding", 1);
    o.put("dropout", 0.0);
    o.put("dual_cross_attention", false);
    o.putNull("encoder_hid_dim");
    o.putNull("encoder_hid_dim_type");
    o.put("flip_sin_to_cos", true);
    o.put("freq_shift", 0);
    o.put("in_channels", 4);
    o.put("layers_per_block", size.layersPerBlock());
    o.putNull("mid_block_only_cross_attention");
    o.put("mid_block_scale_factor", 1);
    o.put("mid_block_type", "UNetMidBlock2DCrossAttn");
    o.put("norm_eps", 1e-5);
    o.put("norm_num_groups", 32);
    o.putNull("num_attention_heads");
    o.putNull("num_class_embeds");
    o.put("only_cross_attention", false);
    o.put("out_channels", 4);
    o.putNull("projection_class_embeddings_input_dim");
    o.put("resnet_out_scale_factor", 1.0);
    o.put("resnet_skip_time_act", false);
    o.put("resnet_time_scale_shift", "default");
    o.putNull("reverse_transformer_layers_per_block");
    o.put("sample_size", 16);
    o.putNull("time_cond_proj_dim");
    o.putNull("time_embedding_act_fn");
    o.putNull("time_embedding_dim");
    o.put("time_embedding_type", "positional");
    o.putNull("timestep_post_act");
    o.put("transformer_layers_per_block", 1);
    o.set("up_block_types", strings(up));
    o.put("upcast_attention", false);
    o.put("use_linear_projection", true);
    return o;
  }

  /**
   * The multilingual student, a transformers {@code RobertaSeriesModelWithTransformation} config in
   * m18's form (pre-transformation from the second-to-last layer) at 128 wide, 4 layers; its
   * projection width equals the teacher's hidden size so it can stand in for it.
   */
  public static ObjectNode studentConfig(int vocabSize, int maxLength) {
    ObjectNode o = JSON.createObjectNode();
    o.set("architectures", strings("RobertaSeriesModelWithTransformation"));
    o.put("attention_probs_dropout_prob", 0.0);
    o.put("bos_token_id", 0);
    o.putNull("classifier_dropout");
    o.put("eos_token_id", 2);
    o.put("has_pre_transformation", true);
    o.put("hidden_act", "gelu");
    o.put("hidden_dropout_prob", 0.0);
    o.put("hidden_size", RecipeSettings.TEXT_WIDTH);
    o.put("initializer_range", 0.02);
    o.put("intermediate_size", 4 * RecipeSettings.TEXT_WIDTH);
    o.put("layer_norm_eps", 1e-5);
    o.put("learn_encoder", false);
    o.put(
        "max_position_embeddings",
        maxLength + 2); // fairseq positions start after the padding index
    o.put("model_type", "xlm-roberta");
    o.put("num_attention_heads", 4);
    o.put("num_hidden_layers", 4);
    o.put("pad_token_id", 1);
    o.put("pooler_fn", "cls");
    o.put("position_embedding_type", "absolute");
    o.put("project_dim", RecipeSettings.TEXT_WIDTH);
    o.put("torch_dtype", "float32");
    o.put("transformers_version", "4.44.2");
    o.put("type_vocab_size", 1);
    o.put("use_attention_mask", true);
    o.put("use_cache", true);
    o.put("vocab_size", vocabSize);
    return o;
  }

  /**
   * Stable Diffusion's training schedule (scaled-linear betas), sampled with DPM++ 2M by default.
   * Like Stable Diffusion's own scheduler configs it says {@code clip_sample: false}, {@code
   * set_alpha_to_one: false} and {@code skip_prk_steps: true}: without them a switch to DDIM or
   * DDPM takes those classes' default {@code clip_sample: true} and clamps the latents' predicted
   * x0 to [-1, 1] (the built-in model's eval with DDIM, 10 steps: 23.6% of attributes right, 100%
   * without the clamp), and PNDM runs its Runge-Kutta warm-up steps.
   */
  public static ObjectNode schedulerConfig() {
    ObjectNode o = JSON.createObjectNode();
    o.put("_class_name", "DPMSolverMultistepScheduler");
    o.put("_diffusers_version", DIFFUSERS_VERSION);
    o.put("algorithm_type", "dpmsolver++");
    o.put("beta_end", 0.012);
    o.put("beta_schedule", "scaled_linear");
    o.put("beta_start", 0.00085);
    o.put("clip_sample", false);
    o.put("lower_order_final", true);
    o.put("num_train_timesteps", 1000);
    o.put("prediction_type", "epsilon");
    o.put("set_alpha_to_one", false);
    o.put("skip_prk_steps", true);
    o.put("solver_order", 2);
    o.put("solver_type", "midpoint");
    o.put("steps_offset", 1);
    o.put("timestep_spacing", "leading");
    o.putNull("trained_betas");
    o.put("use_karras_sigmas", false);
    return o;
  }

  /**
   * model_index.json of a StableDiffusionPipeline (CLIP text encoder) or an AltDiffusionPipeline.
   */
  public static ObjectNode modelIndex(boolean altDiffusion) {
    ObjectNode o = diffusers(altDiffusion ? "AltDiffusionPipeline" : "StableDiffusionPipeline");
    o.set("feature_extractor", nulls());
    o.set("image_encoder", nulls());
    o.put("requires_safety_checker", false);
    o.set("safety_checker", nulls());
    o.set("scheduler", strings("diffusers", "DPMSolverMultistepScheduler"));
    o.set(
        "text_encoder",
        altDiffusion
            ? strings("diffusers", "RobertaSeriesModelWithTransformation")
            : strings("transformers", "CLIPTextModel"));
    o.set(
        "tokenizer",
        altDiffusion
            ? strings("transformers", "XLMRobertaTokenizer")
            : strings("transformers", "CLIPTokenizer"));
    o.set("unet", strings("diffusers", "UNet2DConditionModel"));
    o.set("vae", strings("diffusers", "AutoencoderKL"));
    return o;
  }

  public static void write(Path file, ObjectNode json) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
  }

  /** Copies a folder tree (files replaced). */
  public static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path src : files.toList()) {
        Path dst = to.resolve(from.relativize(src).toString());
        if (Files.isDirectory(src)) Files.createDirectories(dst);
        else Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /** Deletes a folder tree if present. */
  public static void deleteTree(Path folder) throws IOException {
    if (!Files.exists(folder)) return;
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path p : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList())
        Files.delete(p);
    }
  }

  private static ObjectNode diffusers(String className) {
    ObjectNode o = JSON.createObjectNode();
    o.put("_class_name", className);
    o.put("_diffusers_version", DIFFUSERS_VERSION);
    return o;
  }

  private static ArrayNode ints(int... values) {
    ArrayNode a = JSON.createArrayNode();
    for (int v : values) a.add(v);
    return a;
  }

  private static ArrayNode strings(String... values) {
    ArrayNode a = JSON.createArrayNode();
    for (String v : List.of(values)) a.add(v);
    return a;
  }

  private static ArrayNode nulls() {
    ArrayNode a = JSON.createArrayNode();
    a.addNull();
    a.addNull();
    return a;
  }
}
