package org.altdiffusion.models.text;

import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.nn.LayerNorm;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * AltDiffusion's text encoder (diffusers' {@code RobertaSeriesModelWithTransformation}): an XLM-R
 * body under {@code roberta.}, a projection {@code transformation} and, for m18, a second path
 * {@code pre_LN} + {@code transformation_pre}.
 *
 * <p>Output ({@code projection_state} in the reference), [B, T, project_dim]:
 *
 * <ul>
 *   <li>m9 (no pre-transformation): {@code transformation(last hidden state)};
 *   <li>m18 ({@code has_pre_transformation}): {@code
 *       transformation_pre(pre_LN(hidden_states[-2]))}, the output of the second-to-last layer. The
 *       reference runs the last layer and discards it; here it is skipped, which changes nothing in
 *       the result (and {@code transformation} stays unused, but its weights are in the checkpoint
 *       and are loaded).
 * </ul>
 */
public final class RobertaSeriesModelWithTransformation extends Module implements TextEncoder {
  public final RobertaSeriesConfig config;
  public final XlmRobertaModel roberta;
  public final Linear transformation;

  /** Null unless has_pre_transformation. */
  public final Linear transformationPre;

  /** Null unless has_pre_transformation. */
  public final LayerNorm preLN;

  public RobertaSeriesModelWithTransformation(RobertaSeriesConfig config) {
    this.config = config;
    XlmRobertaConfig body = config.roberta();
    roberta = child("roberta", new XlmRobertaModel(body));
    transformation = child("transformation", new Linear(body.hiddenSize(), config.projectDim()));
    if (config.hasPreTransformation()) {
      transformationPre =
          child("transformation_pre", new Linear(body.hiddenSize(), config.projectDim()));
      preLN = child("pre_LN", new LayerNorm(body.hiddenSize(), body.layerNormEps()));
    } else {
      transformationPre = null;
      preLN = null;
    }
  }

  /**
   * Reads {@code dir/config.json} and the weights in {@code dir} (see {@link TextEncoderFiles}).
   */
  public static RobertaSeriesModelWithTransformation fromPretrained(Path dir) {
    var model =
        new RobertaSeriesModelWithTransformation(
            RobertaSeriesConfig.read(dir.resolve("config.json")));
    try (TensorSource weights = TextEncoderFiles.openWeights(dir)) {
      model.load(weights);
    }
    return model;
  }

  /** The reference ignores CLIP-style {@code logit_scale} keys some checkpoints carry. */
  @Override
  protected List<Pattern> ignoredKeys() {
    return List.of(Pattern.compile("logit_scale"));
  }

  /**
   * ids [B, T], mask [B, T] or null -> the encoder output [B, T, project_dim] (see class comment).
   */
  public Tensor forward(Tensor ids, Tensor attentionMask) {
    return project(outputLayerState(ids, attentionMask));
  }

  @Override
  public Tensor encode(Tensor ids, Tensor attentionMask) {
    return forward(ids, attentionMask);
  }

  /**
   * Clip skip does not apply (A1111 ignores it for this encoder: its output is a projection trained
   * on one fixed layer), so N > 1 is refused.
   */
  @Override
  public Tensor encode(
      Tensor ids, Tensor attentionMask, UnaryOperator<Tensor> tokenVectors, int clipSkip) {
    if (clipSkip != 1)
      throw new IllegalArgumentException(
          "clip skip "
              + clipSkip
              + " does not apply to RobertaSeriesModelWithTransformation (AltDiffusion's XLM-R"
              + " text encoder: its output is a projection trained on one fixed layer); use 1");
    return project(outputLayerState(ids, attentionMask, tokenVectors));
  }

  @Override
  public long tokenWidth() {
    return config.roberta().hiddenSize();
  }

  /**
   * The distillation student's pooled vector, [B, project_dim]: the output path applied to the
   * first ([CLS], {@code <s>}) token only. m18: transformation_pre(pre_LN(hidden_states[-2][:,
   * 0])); m9: transformation(last_hidden_state[:, 0]). Equal to {@code forward(ids, mask)[:, 0]}.
   */
  public Tensor pooled(Tensor ids, Tensor attentionMask) {
    return project(
        outputLayerState(ids, attentionMask).select(1, 0)); // [B, hidden] -> [B, project_dim]
  }

  /**
   * Everything the reference returns: the output and all num_hidden_layers + 1 hidden states (all
   * layers run, as in the reference).
   */
  public Output forwardAll(Tensor ids, Tensor attentionMask) {
    List<Tensor> hidden =
        roberta.hiddenStates(ids, attentionMask, config.roberta().numHiddenLayers());
    Tensor source =
        hidden.get(config.hasPreTransformation() ? hidden.size() - 2 : hidden.size() - 1);
    return new Output(project(source), hidden);
  }

  /** The output, [B, T, project_dim], and the hidden states (embeddings first, last layer last). */
  public record Output(Tensor projection, List<Tensor> hiddenStates) {
    public Tensor lastHiddenState() {
      return hiddenStates.get(hiddenStates.size() - 1);
    }
  }

  /** The hidden state the output path reads: the last layer's (m9) or the one before (m18). */
  private Tensor outputLayerState(Tensor ids, Tensor attentionMask) {
    return outputLayerState(ids, attentionMask, null);
  }

  private Tensor outputLayerState(
      Tensor ids, Tensor attentionMask, UnaryOperator<Tensor> tokenVectors) {
    int layers = config.roberta().numHiddenLayers() - (config.hasPreTransformation() ? 1 : 0);
    List<Tensor> hidden = roberta.hiddenStates(ids, attentionMask, layers, tokenVectors);
    return hidden.get(hidden.size() - 1);
  }

  private Tensor project(Tensor hidden) {
    return guarded(
        "projection",
        () ->
            config.hasPreTransformation()
                ? transformationPre.forward(preLN.forward(hidden))
                : transformation.forward(hidden));
  }

  @Override
  public long hiddenSize() {
    return config.projectDim();
  }

  @Override
  public int maxTokens() {
    return config.roberta().maxTokens();
  }
}
