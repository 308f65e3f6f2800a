package org.altdiffusion.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.altdiffusion.io.CheckpointException;

/**
 * An original LDM config ({@code v1-inference.yaml}, {@code v2-inference-v.yaml}, A1111's {@code
 * alt-diffusion-inference.yaml}) applied over the configs read from a single file's weights, as
 * {@code --config}: what the weights cannot tell is taken from it (attention heads {@code
 * num_heads} / {@code num_head_channels}, {@code scale_factor}, {@code linear_start/linear_end},
 * {@code timesteps}, {@code parameterization: v}); what the weights do tell (channels, blocks,
 * context width, the text encoder's kind) must agree, else an error names each disagreement.
 */
final class LdmYaml {
  private LdmYaml() {}

  static void apply(Path yaml, Map<String, ObjectNode> configs, LdmConfigs.TextKind kind) {
    JsonNode root = read(yaml);
    JsonNode params = root.path("model").path("params");
    if (!params.isObject())
      throw new CheckpointException(yaml, "no model.params: not an original LDM config");
    List<String> problems = new ArrayList<>();
    unet(params.path("unet_config").path("params"), configs.get("unet"), problems);
    vae(
        params.path("first_stage_config").path("params").path("ddconfig"),
        configs.get("vae"),
        problems);
    text(params.path("cond_stage_config").path("target").asText(""), kind, problems);
    if (!problems.isEmpty())
      throw new CheckpointException(
          yaml, "disagrees with the weights:\n    " + String.join("\n    ", problems));
    if (params.has("scale_factor"))
      configs.get("vae").put("scaling_factor", params.get("scale_factor").asDouble());
    ObjectNode scheduler = configs.get("scheduler");
    if (params.has("linear_start"))
      scheduler.put("beta_start", params.get("linear_start").asDouble());
    if (params.has("linear_end")) scheduler.put("beta_end", params.get("linear_end").asDouble());
    if (params.has("timesteps"))
      scheduler.put("num_train_timesteps", params.get("timesteps").asInt());
    String parameterization = params.path("parameterization").asText("eps");
    scheduler.put("prediction_type", parameterization.equals("v") ? "v_prediction" : "epsilon");
  }

  private static JsonNode read(Path yaml) {
    try {
      JsonNode root = new YAMLMapper().readTree(Files.readString(yaml));
      if (root == null || !root.isObject())
        throw new CheckpointException(yaml, "not a YAML mapping");
      return root;
    } catch (IOException e) {
      throw new CheckpointException(yaml, "cannot read the YAML config: " + e.getMessage(), e);
    }
  }

  private static void unet(JsonNode u, ObjectNode c, List<String> problems) {
    if (!u.isObject()) return;
    JsonNode channels = c.get("block_out_channels");
    agree(problems, "unet in_channels", u.get("in_channels"), c.get("in_channels").asLong());
    agree(problems, "unet out_channels", u.get("out_channels"), c.get("out_channels").asLong());
    agree(
        problems,
        "unet num_res_blocks",
        u.get("num_res_blocks"),
        c.get("layers_per_block").asLong());
    agree(
        problems, "unet context_dim", u.get("context_dim"), c.get("cross_attention_dim").asLong());
    if (u.has("model_channels") && u.has("channel_mult")) {
      List<Long> expected = new ArrayList<>();
      u.get("channel_mult")
          .forEach(m -> expected.add(m.asLong() * u.get("model_channels").asLong()));
      if (!expected.equals(LdmConfigs.longs(channels)))
        problems.add("unet model_channels x channel_mult = " + expected + ", weights " + channels);
    }
    if (u.has("use_linear_in_transformer")
        && u.get("use_linear_in_transformer").asBoolean()
            != c.get("use_linear_projection").asBoolean())
      problems.add(
          "unet use_linear_in_transformer "
              + u.get("use_linear_in_transformer")
              + ", weights "
              + c.get("use_linear_projection"));
    if (u.has("num_heads") && u.get("num_heads").asInt() > 0) {
      c.put("attention_head_dim", u.get("num_heads").asInt());
    } else if (u.has("num_head_channels") && u.get("num_head_channels").asInt() > 0) {
      ArrayNode heads = c.arrayNode();
      for (JsonNode ch : channels) heads.add(ch.asLong() / u.get("num_head_channels").asLong());
      c.set("attention_head_dim", heads);
    }
  }

  private static void vae(JsonNode d, ObjectNode c, List<String> problems) {
    if (!d.isObject()) return;
    agree(problems, "ddconfig z_channels", d.get("z_channels"), c.get("latent_channels").asLong());
    agree(
        problems,
        "ddconfig num_res_blocks",
        d.get("num_res_blocks"),
        c.get("layers_per_block").asLong());
    agree(problems, "ddconfig in_channels", d.get("in_channels"), c.get("in_channels").asLong());
    agree(problems, "ddconfig out_ch", d.get("out_ch"), c.get("out_channels").asLong());
    if (d.has("ch") && d.has("ch_mult")) {
      List<Long> expected = new ArrayList<>();
      d.get("ch_mult").forEach(m -> expected.add(m.asLong() * d.get("ch").asLong()));
      if (!expected.equals(LdmConfigs.longs(c.get("block_out_channels"))))
        problems.add(
            "ddconfig ch x ch_mult = " + expected + ", weights " + c.get("block_out_channels"));
    }
  }

  private static void text(String target, LdmConfigs.TextKind kind, List<String> problems) {
    if (target.isEmpty()) return;
    LdmConfigs.TextKind said =
        target.contains("OpenCLIP")
            ? LdmConfigs.TextKind.OPEN_CLIP
            : target.contains("CLIP")
                ? LdmConfigs.TextKind.CLIP
                : target.toLowerCase(java.util.Locale.ROOT).contains("xlmr")
                        || target.contains("BertSeries")
                    ? LdmConfigs.TextKind.XLMR
                    : null;
    if (said == null) problems.add("cond_stage_config target '" + target + "' is not supported");
    else if (said != kind)
      problems.add("cond_stage_config target '" + target + "', weights have " + kind.description);
  }

  private static void agree(List<String> problems, String field, JsonNode yaml, long weights) {
    if (yaml == null || yaml.isNull()) return;
    if (yaml.isArray() && yaml.size() > 0) yaml = yaml.get(0); // context_dim may be a list
    if (yaml.asLong() != weights)
      problems.add(field + " " + yaml.asText() + ", weights " + weights);
  }
}
