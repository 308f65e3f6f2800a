package org.altdiffusion.io.keys;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * A change of a tensor's layout that a {@link Rule} declares for the keys it renames, applied
 * lazily: {@link #shape} maps the stored shape to the shape the model sees without reading any
 * value (strict loading checks shapes first), and {@link #apply} runs only when the tensor is read.
 * Transforms change layout only (reshape, slice), never the dtype, so a view's {@code dtype} is the
 * stored one and {@code loadRaw} stays bit-exact.
 *
 * <p>A transform whose stored shape does not fit leaves the tensor as it is ({@link #shape} returns
 * the stored shape, {@link #apply} the stored tensor): strict loading then reports the key under
 * "wrong shape" together with every other problem, naming the stored key, instead of failing on the
 * first one.
 */
public interface ValueTransform {

  /** Short text for error messages and table listings, e.g. {@code conv 1x1 -> linear}. */
  String description();

  /** The shape after the transform, from the stored shape alone; the stored shape if unfit. */
  long[] shape(long[] stored);

  /** The transformed tensor; {@code stored} itself if its shape does not fit. */
  Tensor apply(Tensor stored);

  /**
   * {@code [O, I, 1, 1] -> [O, I]}: a 1x1 convolution's weight as a linear weight, as diffusers'
   * LDM conversion does for the VAE's attention ({@code conv_attn_to_linear}) and for {@code
   * proj_in/proj_out} of SD1-style transformers. Other shapes (a bias, or a weight already [O, I])
   * pass unchanged.
   */
  static ValueTransform conv1x1ToLinear() {
    return of(
        "conv 1x1 -> linear",
        s -> s.length == 4 && s[2] == 1 && s[3] == 1 ? new long[] {s[0], s[1]} : s,
        (t, s) -> t.reshape(s));
  }

  /**
   * {@code [O, I] -> [O, I, 1, 1]}: a linear weight as a 1x1 convolution's (the inverse of {@link
   * #conv1x1ToLinear}). Other shapes pass unchanged.
   */
  static ValueTransform linearToConv1x1() {
    return of(
        "linear -> conv 1x1",
        s -> s.length == 2 ? new long[] {s[0], s[1], 1, 1} : s,
        (t, s) -> t.reshape(s));
  }

  /**
   * Part {@code index} of {@code count} equal chunks along dimension {@code dim} (torch's {@code
   * chunk}): splits a fused tensor, e.g. open_clip's {@code in_proj_weight} [3C, C] into q, k and v
   * [C, C] (one stored key feeding several targets, see {@link Rule#split}). A shape whose {@code
   * dim} is missing or not a multiple of {@code count} passes unchanged.
   */
  static ValueTransform chunk(int dim, int index, int count) {
    if (dim < 0 || count < 1 || index < 0 || index >= count) {
      throw new IllegalArgumentException(
          "chunk(dim " + dim + ", index " + index + ", count " + count + "): out of range");
    }
    return new ValueTransform() {
      @Override
      public String description() {
        return "chunk " + index + " of " + count + " along dim " + dim;
      }

      @Override
      public long[] shape(long[] s) {
        if (!fits(s)) return s;
        long[] out = s.clone();
        out[dim] = s[dim] / count;
        return out;
      }

      @Override
      public Tensor apply(Tensor t) {
        long[] s = t.sizes().vec().get();
        if (!fits(s)) return t;
        long part = s[dim] / count;
        return t.narrow(dim, index * part, part);
      }

      private boolean fits(long[] s) {
        return dim < s.length && s[dim] % count == 0;
      }
    };
  }

  /**
   * A transform from a shape function and a value function that receives the tensor and the shape
   * {@code shape} computed for it; when that shape equals the stored one the tensor is returned
   * untouched.
   */
  static ValueTransform of(String description, UnaryOperator<long[]> shape, ValueFunction value) {
    Objects.requireNonNull(description);
    Objects.requireNonNull(shape);
    Objects.requireNonNull(value);
    return new ValueTransform() {
      @Override
      public String description() {
        return description;
      }

      @Override
      public long[] shape(long[] stored) {
        return shape.apply(stored.clone());
      }

      @Override
      public Tensor apply(Tensor stored) {
        long[] before = stored.sizes().vec().get();
        long[] after = shape(before);
        return Arrays.equals(before, after) ? stored : value.apply(stored, after);
      }

      @Override
      public String toString() {
        return description;
      }
    };
  }

  /** The value half of {@link #of}: the stored tensor and the target shape. */
  @FunctionalInterface
  interface ValueFunction {
    Tensor apply(Tensor stored, long[] targetShape);
  }
}
