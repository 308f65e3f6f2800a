package org.altdiffusion.train.data;

import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * An image-text training example, ready for the VAE.
 *
 * @param pixels [3, size, size] floats in [-1, 1], channel-major ({@code v / 127.5 - 1})
 * @param size side of the square picture
 * @param caption the text (never blank)
 * @param key where it came from (shard and key, file name, ...), for messages
 */
public record ImageText(float[] pixels, int size, String caption, String key) {
  /** The pictures of {@code items} (all of one size) as one batch tensor [B, 3, size, size]. */
  public static Tensor stack(List<ImageText> items) {
    int size = items.get(0).size();
    int plane = 3 * size * size;
    float[] pixels = new float[items.size() * plane];
    for (int i = 0; i < items.size(); i++) {
      ImageText it = items.get(i);
      if (it.size() != size)
        throw new IllegalArgumentException(
            "a batch mixes " + size + "- and " + it.size() + "-pixel pictures (" + it.key() + ")");
      System.arraycopy(it.pixels(), 0, pixels, i * plane, plane);
    }
    return Tensors.fromFloats(pixels, items.size(), 3, size, size); // [B, 3, S, S]
  }
}
