package org.altdiffusion.models.text;

import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.io.JsonConfig;

/**
 * AltDiffusion's text encoder config, as diffusers' {@code RobertaSeriesConfig} (an {@code
 * XLMRobertaConfig} plus the projection fields) reads {@code config.json}.
 *
 * @param roberta the XLM-R body fields (see {@link XlmRobertaConfig} for their defaults)
 * @param projectDim {@code project_dim}, default 512: width of the output (m18: 1024, m9: 768)
 * @param hasPreTransformation {@code has_pre_transformation}, default false: true selects the m18
 *     output path {@code transformation_pre(pre_LN(hidden_states[-2]))}
 * @param poolerFn {@code pooler_fn}, default "cls" (stored, not used by the reference forward)
 * @param learnEncoder {@code learn_encoder}, default false (stored, not used by the reference
 *     forward)
 * @param useAttentionMask {@code use_attention_mask}, default true: whether the pipeline passes the
 *     tokenizer's attention mask to the encoder (read by the pipeline, not by the model)
 * @param architectures {@code architectures}, default empty (informational)
 */
public record RobertaSeriesConfig(
    XlmRobertaConfig roberta,
    int projectDim,
    boolean hasPreTransformation,
    String poolerFn,
    boolean learnEncoder,
    boolean useAttentionMask,
    List<String> architectures) {

  public RobertaSeriesConfig {
    XlmRobertaConfig.positive("project_dim", projectDim);
    architectures = List.copyOf(architectures);
  }

  /** BAAI/AltDiffusion-m18's encoder: XLM-R large, project_dim 1024, pre-transformation. */
  public static RobertaSeriesConfig m18() {
    return new RobertaSeriesConfig(
        XlmRobertaConfig.large(),
        1024,
        true,
        "cls",
        false,
        true,
        List.of("RobertaSeriesModelWithTransformation"));
  }

  /** BAAI/AltDiffusion (m9)'s encoder: XLM-R large, project_dim 768, no pre-transformation. */
  public static RobertaSeriesConfig m9() {
    return new RobertaSeriesConfig(
        XlmRobertaConfig.large(),
        768,
        false,
        "cls",
        false,
        true,
        List.of("RobertaSeriesModelWithTransformation"));
  }

  public static RobertaSeriesConfig read(Path configJson) {
    return from(JsonConfig.read(configJson));
  }

  public static RobertaSeriesConfig from(JsonConfig config) {
    XlmRobertaConfig body = XlmRobertaConfig.from(config);
    int projectDim = config.integer("project_dim", 512);
    if (projectDim <= 0) throw config.error("project_dim", "must be > 0, got " + projectDim);
    return new RobertaSeriesConfig(
        body,
        projectDim,
        config.bool("has_pre_transformation", false),
        config.string("pooler_fn", "cls"),
        config.bool("learn_encoder", false),
        config.bool("use_attention_mask", true),
        config.strings("architectures", List.of()));
  }
}
