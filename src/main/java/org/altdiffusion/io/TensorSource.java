package org.altdiffusion.io;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/**
 * Named tensors, read lazily: shapes are known up front, values are materialised per key (as
 * float32 for floating dtypes, copied out of any memory map). Implemented by the checkpoint
 * readers; model loading checks names and shapes before reading a single value.
 */
public interface TensorSource extends AutoCloseable {

  /** Tensor names, in file order. */
  Set<String> keys();

  /** Shape of {@code key} without reading it. */
  long[] shape(String key);

  /** Stored dtype name as safetensors spells it (F32, F16, BF16, I64, ...). */
  String dtype(String key);

  /** Reads {@code key}: floating types widened to float32, integers as int64 (bool as bool). */
  Tensor load(String key);

  /** Reads {@code key} in its stored dtype, bit-exact. */
  Tensor loadRaw(String key);

  /**
   * The name {@code key} has in the file, for error messages: {@code key} itself, except in a
   * renamed view ({@link org.altdiffusion.io.keys.KeyMapping}), which answers with the stored key
   * (through every layer of views). Reads nothing.
   */
  default String storedKey(String key) {
    return key;
  }

  @Override
  default void close() {}

  /** A source over tensors already in memory. */
  static TensorSource of(Map<String, Tensor> tensors) {
    Map<String, Tensor> copy = new LinkedHashMap<>(tensors);
    return new TensorSource() {
      @Override
      public Set<String> keys() {
        return copy.keySet();
      }

      @Override
      public long[] shape(String key) {
        return get(key).sizes().vec().get();
      }

      @Override
      public String dtype(String key) {
        return DType.of(get(key).scalar_type()).safetensorsName();
      }

      @Override
      public Tensor load(String key) {
        return DType.widen(get(key));
      }

      @Override
      public Tensor loadRaw(String key) {
        return get(key);
      }

      private Tensor get(String key) {
        Tensor t = copy.get(key);
        if (t == null) throw new IllegalArgumentException("no tensor named '" + key + "'");
        return t;
      }
    };
  }
}
