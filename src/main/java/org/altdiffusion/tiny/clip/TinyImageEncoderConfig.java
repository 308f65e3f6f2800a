package org.altdiffusion.tiny.clip;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.JsonConfig;

/**
 * The teacher CLIP's image tower ({@link TinyImageEncoder}), as its {@code config.json} holds it.
 *
 * @param imageSize {@code image_size}, default 64: side of the square input; each block halves it,
 *     so it must be divisible by 2^(number of blocks)
 * @param numChannels {@code num_channels}, default 3 (RGB in [-1, 1])
 * @param patchSize {@code patch_size}, default 2: the stem is a convolution with this kernel and
 *     stride (non-overlapping patches), so later layers never run at full resolution
 * @param blockOutChannels {@code block_out_channels}, default [32, 48, 96, 128]: the stem has the
 *     first width; block i downsamples to width i (block 0 keeps the stem's width)
 * @param normGroups {@code norm_num_groups}, default 8: GroupNorm groups; must divide every width
 * @param hiddenSize {@code hidden_size}, default 128: width of the pooled image feature
 * @param layerNormEps {@code layer_norm_eps}, default 1e-5
 */
public record TinyImageEncoderConfig(
    int imageSize,
    int numChannels,
    int patchSize,
    List<Integer> blockOutChannels,
    int normGroups,
    int hiddenSize,
    double layerNormEps) {
  public static final String MODEL_TYPE = "altdiffusion_tiny_image_encoder";

  public TinyImageEncoderConfig {
    blockOutChannels = List.copyOf(blockOutChannels);
    positive("image_size", imageSize);
    positive("num_channels", numChannels);
    positive("patch_size", patchSize);
    positive("norm_num_groups", normGroups);
    positive("hidden_size", hiddenSize);
    if (blockOutChannels.isEmpty())
      throw new IllegalArgumentException("block_out_channels must not be empty");
    for (int c : blockOutChannels) {
      positive("block_out_channels", c);
      if (c % normGroups != 0)
        throw new IllegalArgumentException(
            "block_out_channels " + c + " is not a multiple of norm_num_groups " + normGroups);
    }
    if (imageSize % (patchSize << blockOutChannels.size()) != 0) {
      throw new IllegalArgumentException(
          "image_size "
              + imageSize
              + " is not divisible by patch_size "
              + patchSize
              + " x 2^"
              + blockOutChannels.size()
              + " (one halving per block)");
    }
    if (!(layerNormEps > 0))
      throw new IllegalArgumentException("layer_norm_eps must be > 0, got " + layerNormEps);
  }

  private static void positive(String field, int v) {
    if (v < 1) throw new IllegalArgumentException(field + " must be >= 1, got " + v);
  }

  public static TinyImageEncoderConfig defaults() {
    return new TinyImageEncoderConfig(64, 3, 2, List.of(32, 48, 96, 128), 8, 128, 1e-5);
  }

  /** Side of the last feature map. */
  public int finalSide() {
    return imageSize / patchSize >> blockOutChannels.size();
  }

  public static TinyImageEncoderConfig read(Path configJson) {
    JsonConfig c = JsonConfig.read(configJson);
    TinyImageEncoderConfig d = defaults();
    try {
      return new TinyImageEncoderConfig(
          c.integer("image_size", d.imageSize),
          c.integer("num_channels", d.numChannels),
          c.integer("patch_size", d.patchSize),
          c.integers("block_out_channels", d.blockOutChannels),
          c.integer("norm_num_groups", d.normGroups),
          c.integer("hidden_size", d.hiddenSize),
          c.real("layer_norm_eps", d.layerNormEps));
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(configJson, e.getMessage());
    }
  }

  /** The fields as {@code config.json} holds them. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model_type", MODEL_TYPE);
    m.put("image_size", imageSize);
    m.put("num_channels", numChannels);
    m.put("patch_size", patchSize);
    m.put("block_out_channels", blockOutChannels);
    m.put("norm_num_groups", normGroups);
    m.put("hidden_size", hiddenSize);
    m.put("layer_norm_eps", layerNormEps);
    return m;
  }
}
