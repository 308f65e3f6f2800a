package org.altdiffusion.models.clip;

import java.util.List;
import java.util.regex.Pattern;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.models.text.ClipTextTransformer;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.LayerNorm;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.ModuleList;
import org.altdiffusion.nn.Parameter;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * transformers' {@code CLIPVisionTransformer} (also AltCLIP's vision tower): patch embedding
 * (bias-free convolution), a class token, learned positions, {@code pre_layrnorm} (sic), pre-LN
 * encoder layers and {@code post_layernorm} on the class token.
 */
public final class ClipVisionTransformer extends Module {
  public final ClipVisionConfig config;
  private final Embeddings embeddings;
  private final LayerNorm preLayerNorm;
  private final ModuleList<ClipTextTransformer.Layer> layers;
  private final LayerNorm postLayerNorm;

  public ClipVisionTransformer(ClipVisionConfig c) {
    this.config = c;
    embeddings = child("embeddings", new Embeddings(c));
    preLayerNorm = child("pre_layrnorm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
    layers = child("encoder", new Encoder()).layers;
    for (int i = 0; i < c.numHiddenLayers(); i++) {
      layers.add(
          new ClipTextTransformer.Layer(
              c.hiddenSize(),
              c.numAttentionHeads(),
              c.intermediateSize(),
              c.hiddenAct(),
              c.layerNormEps()));
    }
    postLayerNorm = child("post_layernorm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
  }

  /** Checkpoints of older transformers saved the position_ids buffer. */
  @Override
  protected List<Pattern> ignoredKeys() {
    return List.of(Pattern.compile("embeddings\\.position_ids"));
  }

  /**
   * The pooled output: {@code post_layernorm} of the class token after the last layer.
   *
   * @param pixels [B, channels, image_size, image_size], normalised as the image processor does
   * @return [B, hidden]
   */
  public Tensor pooled(Tensor pixels) {
    long[] s = Tensors.shape(pixels);
    int side = config.imageSize();
    if (s.length != 4 || s[1] != config.numChannels() || s[2] != side || s[3] != side) {
      throw new IllegalArgumentException(
          "the vision tower takes [B, "
              + config.numChannels()
              + ", "
              + side
              + ", "
              + side
              + "] pixels, got "
              + Tensors.shapeString(pixels));
    }
    return guarded(
        "forward",
        () -> {
          Tensor h = preLayerNorm.forward(embeddings.forward(pixels)); // [B, 1 + grid^2, hidden]
          for (ClipTextTransformer.Layer layer : layers) h = layer.forward(h, null);
          return postLayerNorm.forward(h.select(1, 0)); // [B, hidden]
        });
  }

  /** {@code class_embedding}, {@code patch_embedding}, {@code position_embedding}. */
  static final class Embeddings extends Module {
    final Parameter classEmbedding;
    final Conv2d patchEmbedding;
    final org.altdiffusion.nn.Embedding positionEmbedding;

    Embeddings(ClipVisionConfig c) {
      classEmbedding = parameter("class_embedding", c.hiddenSize());
      patchEmbedding =
          child(
              "patch_embedding",
              new Conv2d(c.numChannels(), c.hiddenSize(), c.patchSize(), c.patchSize(), 0, false));
      long positions = (long) c.grid() * c.grid() + 1;
      positionEmbedding =
          child("position_embedding", new org.altdiffusion.nn.Embedding(positions, c.hiddenSize()));
    }

    /** [B, C, S, S] -> [B, 1 + grid^2, hidden]. */
    Tensor forward(Tensor pixels) {
      long b = pixels.size(0);
      Tensor patches = patchEmbedding.forward(pixels); // [B, hidden, grid, grid]
      patches = patches.flatten(2, -1).transpose(1, 2); // [B, grid^2, hidden]
      long hidden = patches.size(2);
      Tensor cls = classEmbedding.get().view(1, 1, hidden).expand(b, 1, hidden); // [B, 1, hidden]
      Tensor tokens = torch.cat(new TensorVector(cls, patches), 1); // [B, 1 + grid^2, hidden]
      return tokens.add(positionEmbedding.weight.get()); // positions [1 + grid^2, hidden] broadcast
    }
  }

  /** Holds the layer list under the reference's name {@code encoder.layers}. */
  static final class Encoder extends Module {
    final ModuleList<ClipTextTransformer.Layer> layers = child("layers", new ModuleList<>());
  }
}
