package org.altdiffusion.tiny.clip;

import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.GroupNorm;
import org.altdiffusion.nn.LayerNorm;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.ModuleList;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The teacher CLIP's image tower: a small CNN over 64x64 pictures. A patch stem (a convolution
 * whose kernel and stride are the patch size), then blocks that each halve the side (a strided
 * convolution, then a residual convolution at the new size), then the last feature map flattened
 * into a linear layer. Flattening instead of pooling keeps where things are, which the captions
 * talk about ("on the left").
 *
 * <pre>
 * conv_in                     Conv2d(3 -> c0, p x p, stride p)            [B, c0, 64/p, 64/p]
 * blocks.i.downsample, norm1  Conv2d(c(i-1) -> ci, 3x3, stride 2), GN     [B, ci, 64/p/2^(i+1), ...]
 * blocks.i.conv, norm2        Conv2d(ci -> ci, 3x3), GN, residual
 * proj, post_layernorm        Linear(c_last * side^2 -> hidden), LayerNorm  [B, hidden]
 * </pre>
 *
 * SiLU after every normalisation. Saved as {@code config.json} + {@code model.safetensors}.
 */
public final class TinyImageEncoder extends Module {
  public static final String WEIGHTS = "model.safetensors";

  public final TinyImageEncoderConfig config;
  public final Conv2d convIn;
  public final ModuleList<Block> blocks;
  public final Linear proj;
  public final LayerNorm postLayerNorm;

  public TinyImageEncoder(TinyImageEncoderConfig config) {
    this.config = config;
    List<Integer> widths = config.blockOutChannels();
    convIn =
        child(
            "conv_in",
            new Conv2d(
                config.numChannels(), widths.get(0), config.patchSize(), config.patchSize(), 0));
    blocks = child("blocks", new ModuleList<>());
    for (int i = 0; i < widths.size(); i++) {
      blocks.add(
          new Block(
              i == 0 ? widths.get(0) : widths.get(i - 1), widths.get(i), config.normGroups()));
    }
    long side = config.finalSide();
    proj =
        child("proj", new Linear(widths.get(widths.size() - 1) * side * side, config.hiddenSize()));
    postLayerNorm =
        child("post_layernorm", new LayerNorm(config.hiddenSize(), config.layerNormEps()));
  }

  /** Reads {@code dir/config.json} and {@code dir/model.safetensors}. */
  public static TinyImageEncoder fromPretrained(Path dir) {
    TinyImageEncoder model =
        new TinyImageEncoder(TinyImageEncoderConfig.read(dir.resolve("config.json")));
    try (TensorSource weights = SafeTensors.open(dir.resolve(WEIGHTS))) {
      model.load(weights);
    }
    return model;
  }

  /** pixels [B, 3, size, size] in [-1, 1] -> pooled image feature [B, hidden]. */
  public Tensor forward(Tensor pixels) {
    long[] shape = pixels.sizes().vec().get();
    if (shape.length != 4
        || shape[1] != config.numChannels()
        || shape[2] != config.imageSize()
        || shape[3] != config.imageSize()) {
      throw new IllegalArgumentException(
          "image encoder: pixels must be [batch, "
              + config.numChannels()
              + ", "
              + config.imageSize()
              + ", "
              + config.imageSize()
              + "], got "
              + java.util.Arrays.toString(shape));
    }
    return guarded(
        "forward",
        () -> {
          Tensor h = torch.silu(convIn.forward(pixels));
          for (Block b : blocks) h = b.forward(h);
          Tensor flat = h.flatten(1, -1); // [B, c_last * side * side]
          return postLayerNorm.forward(proj.forward(flat));
        });
  }

  /** Halve the side with a strided convolution, then refine with a residual convolution. */
  public static final class Block extends Module {
    public final Conv2d downsample;
    public final GroupNorm norm1;
    public final Conv2d conv;
    public final GroupNorm norm2;

    Block(int in, int out, int groups) {
      downsample = child("downsample", new Conv2d(in, out, 3, 2, 1));
      norm1 = child("norm1", new GroupNorm(groups, out, 1e-5));
      conv = child("conv", new Conv2d(out, out, 3, 1, 1));
      norm2 = child("norm2", new GroupNorm(groups, out, 1e-5));
    }

    /** [B, in, s, s] -> [B, out, s/2, s/2]. */
    public Tensor forward(Tensor x) {
      Tensor h = torch.silu(norm1.forward(downsample.forward(x)));
      return h.add(torch.silu(norm2.forward(conv.forward(h))));
    }
  }
}
