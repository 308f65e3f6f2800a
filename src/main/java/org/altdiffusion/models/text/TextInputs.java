package org.altdiffusion.models.text;

import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Checks and converts what callers hand to the text encoders, so that bad input is reported in
 * terms of ids and masks instead of a libtorch backtrace from deep inside an embedding lookup.
 */
public final class TextInputs {
  private TextInputs() {}

  /** [B, T] int64 ids from equal-length rows. */
  public static Tensor ids(long[][] rows) {
    return Tensors.fromLongs(
        flatten(rows, "ids"), rows.length, rows.length == 0 ? 0 : rows[0].length);
  }

  /** [B, T] int64 mask (1 = token, 0 = padding) from equal-length rows. */
  public static Tensor mask(long[][] rows) {
    return Tensors.fromLongs(
        flatten(rows, "attention mask"), rows.length, rows.length == 0 ? 0 : rows[0].length);
  }

  private static long[] flatten(long[][] rows, String what) {
    if (rows.length == 0) throw new IllegalArgumentException(what + ": no rows");
    int t = rows[0].length;
    long[] out = new long[rows.length * t];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != t) {
        throw new IllegalArgumentException(
            what
                + ": row "
                + i
                + " has "
                + rows[i].length
                + " entries, row 0 has "
                + t
                + " (pad rows to one length)");
      }
      System.arraycopy(rows[i], 0, out, i * t, t);
    }
    return out;
  }

  /**
   * Validates token ids for a model with {@code vocabSize} entries taking at most {@code maxTokens}
   * positions; returns them as int64.
   */
  static Tensor checkIds(Tensor ids, long vocabSize, int maxTokens, String model) {
    if (ids == null) throw new IllegalArgumentException(model + ": token ids are required");
    if (ids.dim() != 2) {
      throw new IllegalArgumentException(
          model + ": token ids must be [batch, tokens], got shape " + Tensors.shapeString(ids));
    }
    byte type = ids.scalar_type().value;
    if (type != torch.ScalarType.Long.value && type != torch.ScalarType.Int.value) {
      throw new IllegalArgumentException(
          model + ": token ids must be int64 or int32, got " + ids.scalar_type());
    }
    long batch = ids.size(0);
    long tokens = ids.size(1);
    if (batch == 0 || tokens == 0) {
      throw new IllegalArgumentException(
          model + ": empty input, shape " + Tensors.shapeString(ids));
    }
    if (tokens > maxTokens) {
      throw new IllegalArgumentException(
          model
              + ": "
              + tokens
              + " tokens is longer than the "
              + maxTokens
              + " this model accepts");
    }
    Tensor longIds = ids.to(torch.ScalarType.Long);
    long min = longIds.min().item_long();
    long max = longIds.max().item_long();
    if (min < 0 || max >= vocabSize) {
      throw new IllegalArgumentException(
          model
              + ": token id "
              + (min < 0 ? min : max)
              + " outside the vocabulary [0, "
              + vocabSize
              + ")");
    }
    return longIds;
  }

  /** Validates an attention mask for {@code ids}; returns it as float32 (null stays null). */
  /** {@code t} moved to {@code device}; null stays null. */
  static Tensor onDevice(Tensor t, ComputeDevice device) {
    return t == null ? null : device.place(t);
  }

  static Tensor checkMask(Tensor mask, Tensor ids, String model) {
    if (mask == null) return null;
    if (!java.util.Arrays.equals(Tensors.shape(mask), Tensors.shape(ids))) {
      throw new IllegalArgumentException(
          model
              + ": attention mask shape "
              + Tensors.shapeString(mask)
              + " differs from the ids' "
              + Tensors.shapeString(ids));
    }
    Tensor m = mask.to(torch.ScalarType.Float);
    boolean binary = m.eq(new Scalar(0.0)).logical_or(m.eq(new Scalar(1.0))).all().item_bool();
    if (!binary)
      throw new IllegalArgumentException(
          model + ": attention mask must hold only 0 (padding) and 1 (token)");
    return m;
  }
}
