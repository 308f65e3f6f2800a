package org.altdiffusion.io;

import java.util.Locale;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Tensor element types as checkpoint files name them, mapped to libtorch types. */
public enum DType {
  F64("F64", 8, ScalarType.Double, true),
  F32("F32", 4, ScalarType.Float, true),
  F16("F16", 2, ScalarType.Half, true),
  BF16("BF16", 2, ScalarType.BFloat16, true),
  I64("I64", 8, ScalarType.Long, false),
  I32("I32", 4, ScalarType.Int, false),
  I16("I16", 2, ScalarType.Short, false),
  I8("I8", 1, ScalarType.Char, false),
  U8("U8", 1, ScalarType.Byte, false),
  BOOL("BOOL", 1, ScalarType.Bool, false);

  private final String safetensorsName;
  private final int byteSize;
  private final ScalarType scalarType;
  private final boolean floating;

  DType(String name, int byteSize, ScalarType scalarType, boolean floating) {
    this.safetensorsName = name;
    this.byteSize = byteSize;
    this.scalarType = scalarType;
    this.floating = floating;
  }

  public String safetensorsName() {
    return safetensorsName;
  }

  public int byteSize() {
    return byteSize;
  }

  public ScalarType scalarType() {
    return scalarType;
  }

  public boolean floating() {
    return floating;
  }

  /**
   * Types the safetensors format defines (0.8.0) that we do not read: libtorch has no usable CPU
   * kernels for most of them and no AltDiffusion checkpoint uses them.
   */
  static final java.util.List<String> KNOWN_UNSUPPORTED =
      java.util.List.of(
          "U16",
          "U32",
          "U64",
          "C64",
          "F8_E4M3",
          "F8_E5M2",
          "F8_E8M0",
          "F8_E4M3FNUZ",
          "F8_E5M2FNUZ",
          "F4",
          "F6_E2M3",
          "F6_E3M2");

  /**
   * Parses a safetensors dtype string (case-sensitive, as the format); the error lists the accepted
   * ones.
   */
  public static DType parse(String name) {
    for (DType d : values()) if (d.safetensorsName.equals(name)) return d;
    if (KNOWN_UNSUPPORTED.contains(name)) {
      throw new IllegalArgumentException(
          "dtype "
              + Names.quote(name)
              + " is defined by safetensors but not supported here (accepted: "
              + accepted()
              + ")");
    }
    throw new IllegalArgumentException(
        "unknown dtype " + Names.quote(name) + " (accepted: " + accepted() + ")");
  }

  public static DType of(ScalarType type) {
    // Enums returned by JavaCPP are fresh instances: compare by value.
    for (DType d : values()) if (d.scalarType.value == type.value) return d;
    throw new IllegalArgumentException("unsupported tensor type " + type);
  }

  public static String accepted() {
    StringBuilder b = new StringBuilder();
    for (DType d : values()) b.append(b.length() == 0 ? "" : ", ").append(d.safetensorsName);
    return b.toString();
  }

  /** Floating tensors become float32 (we compute in fp32 on CPU); integer tensors become int64. */
  public static Tensor widen(Tensor t) {
    DType d = of(t.scalar_type());
    if (d == BOOL || d == F32 || d == I64) return t;
    return t.to(d.floating ? ScalarType.Float : ScalarType.Long);
  }

  @Override
  public String toString() {
    return safetensorsName.toLowerCase(Locale.ROOT);
  }
}
