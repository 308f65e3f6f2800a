package org.altdiffusion.models.inception;

import java.nio.file.Path;
import org.altdiffusion.io.Checkpoints;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The InceptionV3 of FID as pytorch-fid builds it ({@code fid_inception_v3}): torchvision's
 * Inception3 names, so {@code pt_inception-2015-12-05-6726825d.pth} (the TensorFlow FID weights
 * ported to PyTorch, 1008 classes) loads strictly, with the FIDInceptionA/C/E patches. {@link
 * #features} is pytorch-fid's {@code InceptionV3([3])}: bilinear resize to 299x299
 * (align_corners=False), scale to [-1, 1], up to the final average pool, 2048 values per picture.
 * {@link #logits} applies the classifier without its bias, the {@code logits_unbiased} layer that
 * torch-fidelity's Inception Score reads.
 */
public final class FidInceptionV3 extends Module {
  /** Side of the square pictures the network sees. */
  public static final long INPUT_SIZE = 299;

  /** Length of the pool features. */
  public static final long FEATURES = 2048;

  /** Classes of the TensorFlow graph the weights come from (1000 ImageNet + 8 unused). */
  public static final long CLASSES = 1008;

  private final BasicConv2d conv1a;
  private final BasicConv2d conv2a;
  private final BasicConv2d conv2b;
  private final BasicConv2d conv3b;
  private final BasicConv2d conv4a;
  private final InceptionBlock[] mixed;
  private final Linear fc;

  public FidInceptionV3() {
    conv1a = child("Conv2d_1a_3x3", new BasicConv2d(3, 32, 3, 2, 0));
    conv2a = child("Conv2d_2a_3x3", new BasicConv2d(32, 32, 3, 1, 0));
    conv2b = child("Conv2d_2b_3x3", new BasicConv2d(32, 64, 3, 1, 1));
    conv3b = child("Conv2d_3b_1x1", new BasicConv2d(64, 80, 1, 1, 0));
    conv4a = child("Conv2d_4a_3x3", new BasicConv2d(80, 192, 3, 1, 0));
    mixed =
        new InceptionBlock[] {
          child("Mixed_5b", new InceptionA(192, 32)),
          child("Mixed_5c", new InceptionA(256, 64)),
          child("Mixed_5d", new InceptionA(288, 64)),
          child("Mixed_6a", new InceptionB(288)),
          child("Mixed_6b", new InceptionC(768, 128)),
          child("Mixed_6c", new InceptionC(768, 160)),
          child("Mixed_6d", new InceptionC(768, 160)),
          child("Mixed_6e", new InceptionC(768, 192)),
          child("Mixed_7a", new InceptionD(768)),
          child("Mixed_7b", new InceptionE(1280, false)),
          child("Mixed_7c", new InceptionE(2048, true))
        };
    fc = child("fc", new Linear(FEATURES, CLASSES));
  }

  /** The network with the weights of {@code file} (.pth, .bin, .safetensors), loaded strictly. */
  public static FidInceptionV3 load(Path file) {
    FidInceptionV3 model = new FidInceptionV3();
    TensorSource source = Checkpoints.open(file);
    model.load(source);
    return model;
  }

  /**
   * Pool features of pictures.
   *
   * @param pixels [B, 3, H, W] in [0, 1], any size (resized to 299x299 here)
   * @return [B, 2048]
   */
  public Tensor features(Tensor pixels) {
    return guarded("features", () -> pool(scaled(pixels)));
  }

  /** The classifier without its bias on pool features: [B, 2048] -> [B, 1008]. */
  public Tensor logits(Tensor features) {
    return torch.linear(features, fc.weight.get(), new TensorOptional());
  }

  /** [B, 3, H, W] in [0, 1] -> [B, 3, 299, 299] in [-1, 1]. */
  private static Tensor scaled(Tensor pixels) {
    Tensor resized = torch.upsample_bilinear2d(pixels, new long[] {INPUT_SIZE, INPUT_SIZE}, false);
    return resized.mul(new Scalar(2.0)).sub(new Scalar(1.0));
  }

  /** [B, 3, 299, 299] -> [B, 2048]. */
  private Tensor pool(Tensor x) {
    Tensor h = conv2b.forward(conv2a.forward(conv1a.forward(x)));
    h = Pools.max3x3(h, 2, 0); // [B, 64, 73, 73]
    h = conv4a.forward(conv3b.forward(h));
    h = Pools.max3x3(h, 2, 0); // [B, 192, 35, 35]
    for (InceptionBlock m : mixed) h = m.forward(h); // [B, 2048, 8, 8]
    Tensor pooled = torch.adaptive_avg_pool2d(h, new long[] {1, 1}); // [B, 2048, 1, 1]
    return pooled.flatten(1, -1); // [B, 2048]
  }
}
