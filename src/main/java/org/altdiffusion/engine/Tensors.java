package org.altdiffusion.engine;

import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** Small conveniences over the libtorch Java API; every method copies, none aliases Java memory. */
public final class Tensors {
  private Tensors() {}

  public static TensorOptions floatOptions() {
    return new TensorOptions(torch.ScalarType.Float);
  }

  /** A float32 tensor holding a copy of {@code values} with {@code shape}. */
  public static Tensor fromFloats(float[] values, long... shape) {
    Tensor t = allocate(values.length, shape, torch.ScalarType.Float);
    if (values.length > 0) t.data_ptr_float().put(values);
    return t;
  }

  /** A float64 tensor holding a copy of {@code values} with {@code shape}. */
  public static Tensor fromDoubles(double[] values, long... shape) {
    Tensor t = allocate(values.length, shape, torch.ScalarType.Double);
    if (values.length > 0) t.data_ptr_double().put(values);
    return t;
  }

  /**
   * An empty tensor of {@code shape} for {@code count} values (an error naming both when they
   * disagree).
   */
  private static Tensor allocate(int count, long[] shape, torch.ScalarType type) {
    long n = numel(shape);
    if (n != count)
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + count);
    return torch.empty(shape, new TensorOptions(type), null);
  }

  /** An int64 tensor holding a copy of {@code values} with {@code shape}. */
  public static Tensor fromLongs(long[] values, long... shape) {
    Tensor t = allocate(values.length, shape, torch.ScalarType.Long);
    if (values.length > 0) t.data_ptr_long().put(values);
    return t;
  }

  /** The values of {@code t} (on any device) as float32, in row-major order. */
  public static float[] toFloats(Tensor t) {
    Tensor c = ComputeDevice.CPU.place(t).to(torch.ScalarType.Float).contiguous();
    float[] out = new float[Math.toIntExact(c.numel())];
    if (out.length > 0) {
      FloatPointer p = c.data_ptr_float();
      p.get(out);
    }
    return out;
  }

  /** The values of {@code t} as int64, in row-major order. */
  public static long[] toLongs(Tensor t) {
    Tensor c = ComputeDevice.CPU.place(t).to(torch.ScalarType.Long).contiguous();
    long[] out = new long[Math.toIntExact(c.numel())];
    if (out.length > 0) {
      LongPointer p = c.data_ptr_long();
      p.get(out);
    }
    return out;
  }

  public static long[] shape(Tensor t) {
    return t.sizes().vec().get();
  }

  public static String shapeString(Tensor t) {
    return Arrays.toString(shape(t));
  }

  public static long numel(long... shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0)
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public static Scalar scalar(double v) {
    return new Scalar(v);
  }

  public static TensorOptional optional(Tensor t) {
    return t == null ? new TensorOptional() : new TensorOptional(t);
  }

  /**
   * Standard normal float32 noise from torch's CPU generator: equal to Python's for the same seed.
   */
  public static Tensor randn(Generator generator, long... shape) {
    return torch.randn(shape, new GeneratorOptional(generator), floatOptions());
  }

  /** A fresh CPU generator seeded like {@code torch.Generator().manual_seed(seed)}. */
  public static Generator generator(long seed) {
    return torch.make_generator_cpu(seed);
  }

  /** Largest absolute elementwise difference. */
  public static double maxAbsDiff(Tensor a, Tensor b) {
    if (!Arrays.equals(shape(a), shape(b))) {
      throw new IllegalArgumentException(
          "shapes differ: " + shapeString(a) + " vs " + shapeString(b));
    }
    return a.to(torch.ScalarType.Double)
        .sub(b.to(torch.ScalarType.Double))
        .abs()
        .max()
        .item_double();
  }
}
