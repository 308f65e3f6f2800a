package org.altdiffusion.eval;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.altdiffusion.image.ImageDecoder;
import org.altdiffusion.image.ImageLimits;
import org.altdiffusion.models.inception.FidInceptionV3;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * FID's pool features and IS logits of pictures, and reference statistics from a folder of pictures
 * or from pytorch-fid's {@code .npz}.
 */
public final class FidFeatures {
  /** Pool features [N, 2048] and unbiased logits [N, 1008] of N pictures. */
  public record Features(Tensor pool, Tensor logits) {}

  /** Reference statistics and how many pictures of the folder were used and skipped. */
  public record Reference(GaussianStatistics statistics, int used, int skipped) {}

  private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".webp");

  private FidFeatures() {}

  /** Features of {@code images} (8-bit RGB, any size), one at a time. */
  public static Features of(FidInceptionV3 net, List<BufferedImage> images) {
    if (images.isEmpty()) throw new IllegalArgumentException("no pictures");
    TensorVector pools = new TensorVector();
    try (NoGradGuard g = new NoGradGuard()) {
      for (BufferedImage img : images) {
        Tensor pool =
            org.altdiffusion.engine.Scopes.keep(
                () -> {
                  return net.features(unitPixels(img)); // [1, 2048]
                });
        pools.push_back(pool);
      }
      Tensor all = torch.cat(pools, 0); // [N, 2048]
      return new Features(all, net.logits(all));
    }
  }

  /**
   * The statistics of a reference: pytorch-fid's {@code .npz} (checked to be 2048-d), or a folder
   * whose pictures (png, jpg, jpeg, bmp, webp, sorted by name) are read; pictures that cannot be
   * decoded are skipped and counted.
   */
  public static Reference reference(FidInceptionV3 net, Path dirOrNpz) {
    if (Files.isRegularFile(dirOrNpz)) {
      GaussianStatistics s = GaussianStatistics.read(dirOrNpz);
      if (s.dim() != FidInceptionV3.FEATURES) {
        throw new IllegalArgumentException(
            dirOrNpz
                + ": statistics of dimension "
                + s.dim()
                + "; FID's pool features have "
                + FidInceptionV3.FEATURES
                + " (pytorch-fid --dims 2048)");
      }
      return new Reference(s, 0, 0);
    }
    if (!Files.isDirectory(dirOrNpz)) {
      throw new IllegalArgumentException(
          "--fid-reference " + dirOrNpz + ": neither a folder nor an .npz file");
    }
    List<BufferedImage> images = new ArrayList<>();
    int skipped = 0;
    for (Path f : pictures(dirOrNpz)) {
      try {
        images.add(ImageDecoder.decode(Files.readAllBytes(f), ImageLimits.UPLOADS));
      } catch (RuntimeException | IOException e) {
        skipped++;
      }
    }
    if (images.size() < 2) {
      throw new IllegalArgumentException(
          dirOrNpz
              + ": "
              + images.size()
              + " readable pictures ("
              + skipped
              + " unreadable skipped); FID statistics need at least 2");
    }
    try (PointerScope s = new PointerScope()) {
      return new Reference(GaussianStatistics.of(of(net, images).pool()), images.size(), skipped);
    }
  }

  private static List<Path> pictures(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(
              f ->
                  EXTENSIONS.stream()
                      .anyMatch(
                          e -> f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(e)))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + dir + ": " + e.getMessage());
    }
  }

  /** An 8-bit RGB picture as [1, 3, H, W] values {@code v / 255} (torchvision's ToTensor). */
  static Tensor unitPixels(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
    float[] out = new float[3 * w * h];
    for (int i = 0; i < rgb.length; i++) {
      out[i] = ((rgb[i] >> 16) & 255) / 255f;
      out[w * h + i] = ((rgb[i] >> 8) & 255) / 255f;
      out[2 * w * h + i] = (rgb[i] & 255) / 255f;
    }
    return org.altdiffusion.engine.Tensors.fromFloats(out, 1, 3, h, w);
  }
}
