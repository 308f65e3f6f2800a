package org.altdiffusion.io.pytorch;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.io.DType;
import org.altdiffusion.io.pytorch.Py.Bytes;
import org.altdiffusion.io.pytorch.Py.Call;
import org.altdiffusion.io.pytorch.Py.Dict;
import org.altdiffusion.io.pytorch.Py.Global;
import org.altdiffusion.io.pytorch.Py.PickleException;
import org.altdiffusion.io.pytorch.Py.Tuple;

/**
 * The allow-list of globals a torch checkpoint may name, each with our own Java implementation.
 * Justification per entry:
 *
 * <ul>
 *   <li>{@code collections.OrderedDict}: every {@code state_dict()} is one (called with no
 *       arguments).
 *   <li>{@code torch._utils._rebuild_tensor}, {@code _rebuild_tensor_v2}, {@code
 *       _rebuild_tensor_v3}: how torch pickles a tensor (v3 for dtypes without a legacy storage
 *       class, e.g. uint16).
 *   <li>{@code torch._utils._rebuild_parameter}, {@code _rebuild_parameter_with_state}: an {@code
 *       nn.Parameter} (we keep its data); {@code torch._tensor._rebuild_from_type_v2}: a tensor
 *       carrying Python attributes (we keep the tensor, drop the attributes), accepted only when
 *       the type is {@code torch.Tensor} or {@code torch.nn.parameter.Parameter}.
 *   <li>storage classes ({@code torch.FloatStorage}, ..., {@code torch.storage.UntypedStorage}, and
 *       {@code torch.cuda.*Storage} of old GPU checkpoints) and dtypes ({@code torch.float16},
 *       ...): data only, never callable.
 *   <li>{@code torch.Size}, {@code _codecs.encode} (how protocol 2 writes {@code bytes}), {@code
 *       builtins.set}/{@code frozenset}: plain values that Lightning checkpoints and
 *       hyper-parameter dicts contain beside the tensors.
 * </ul>
 *
 * Everything else (os.system, builtins.eval, subprocess.Popen, any class) is refused.
 */
final class TorchGlobals {
  private TorchGlobals() {}

  /**
   * A tensor view over a storage, as built by the rebuild functions. Offsets and strides count
   * elements.
   */
  record TensorView(TorchStorage storage, DType dtype, long offset, long[] size, long[] stride) {}

  /** A tensor whose dtype we do not read (complex, quantized, float8, ...): an error if exposed. */
  record UnsupportedTensor(String dtypeName) {}

  /** Storage class name → element dtype; null dtype = known but unsupported. */
  static final Map<String, DType> STORAGE_TYPES = new LinkedHashMap<>();

  static final Map<String, String> UNSUPPORTED_STORAGE_TYPES = new LinkedHashMap<>();

  /** torch dtype attribute name → DType; names mapped to null are known but unsupported. */
  static final Map<String, DType> DTYPES = new LinkedHashMap<>();

  static {
    STORAGE_TYPES.put("FloatStorage", DType.F32);
    STORAGE_TYPES.put("HalfStorage", DType.F16);
    STORAGE_TYPES.put("BFloat16Storage", DType.BF16);
    STORAGE_TYPES.put("DoubleStorage", DType.F64);
    STORAGE_TYPES.put("LongStorage", DType.I64);
    STORAGE_TYPES.put("IntStorage", DType.I32);
    STORAGE_TYPES.put("ShortStorage", DType.I16);
    STORAGE_TYPES.put("CharStorage", DType.I8);
    STORAGE_TYPES.put("ByteStorage", DType.U8);
    STORAGE_TYPES.put("BoolStorage", DType.BOOL);
    for (String s :
        List.of(
            "ComplexFloatStorage",
            "ComplexDoubleStorage",
            "QInt8Storage",
            "QInt32Storage",
            "QUInt8Storage",
            "QUInt4x2Storage",
            "QUInt2x4Storage")) {
      UNSUPPORTED_STORAGE_TYPES.put(s, s.replace("Storage", "").toLowerCase(java.util.Locale.ROOT));
    }
    DTYPES.put("float64", DType.F64);
    DTYPES.put("double", DType.F64);
    DTYPES.put("float32", DType.F32);
    DTYPES.put("float", DType.F32);
    DTYPES.put("float16", DType.F16);
    DTYPES.put("half", DType.F16);
    DTYPES.put("bfloat16", DType.BF16);
    DTYPES.put("int64", DType.I64);
    DTYPES.put("long", DType.I64);
    DTYPES.put("int32", DType.I32);
    DTYPES.put("int", DType.I32);
    DTYPES.put("int16", DType.I16);
    DTYPES.put("short", DType.I16);
    DTYPES.put("int8", DType.I8);
    DTYPES.put("uint8", DType.U8);
    DTYPES.put("bool", DType.BOOL);
    for (String s :
        List.of(
            "uint16",
            "uint32",
            "uint64",
            "complex32",
            "complex64",
            "complex128",
            "cfloat",
            "cdouble",
            "chalf",
            "float8_e5m2",
            "float8_e4m3fn",
            "float8_e5m2fnuz",
            "float8_e4m3fnuz",
            "float8_e8m0fnu",
            "float4_e2m1fn_x2",
            "qint8",
            "qint32",
            "quint8",
            "quint4x2",
            "quint2x4",
            "bits8",
            "bits16",
            "bits1x8",
            "bits2x4",
            "bits4x2")) {
      DTYPES.put(s, null);
    }
  }

  static final String TENSOR_CLASS = "torch.Tensor";
  static final String PARAMETER_CLASS = "torch.nn.parameter.Parameter";
  static final String UNTYPED_STORAGE = "torch.storage.UntypedStorage";

  /** The allow-list for one checkpoint. Storage classes are data; REDUCE cannot call them. */
  static Map<String, Global> allowList() {
    Map<String, Global> m = new LinkedHashMap<>();
    add(m, "collections", "OrderedDict", TorchGlobals::orderedDict);
    add(m, "torch._utils", "_rebuild_tensor", args -> rebuildTensor(args, 4, 4, false));
    add(m, "torch._utils", "_rebuild_tensor_v2", args -> rebuildTensor(args, 6, 7, false));
    add(m, "torch._utils", "_rebuild_tensor_v3", args -> rebuildTensor(args, 7, 8, true));
    add(m, "torch._utils", "_rebuild_parameter", args -> parameterData(args, 3));
    add(m, "torch._utils", "_rebuild_parameter_with_state", args -> parameterData(args, 4));
    add(m, "torch._tensor", "_rebuild_from_type_v2", TorchGlobals::rebuildFromType);
    add(m, "torch", "Tensor", null);
    add(m, "torch.nn.parameter", "Parameter", null);
    add(m, "torch", "Size", TorchGlobals::size);
    add(m, "_codecs", "encode", TorchGlobals::encode);
    add(m, "builtins", "set", args -> set("set", args));
    add(m, "builtins", "frozenset", args -> set("frozenset", args));
    for (String module : List.of("torch", "torch.cuda")) {
      for (String s : STORAGE_TYPES.keySet()) add(m, module, s, null);
      for (String s : UNSUPPORTED_STORAGE_TYPES.keySet()) add(m, module, s, null);
    }
    add(m, "torch.storage", "UntypedStorage", null);
    add(m, "torch", "UntypedStorage", null);
    for (String d : DTYPES.keySet()) add(m, "torch", d, null);
    return m;
  }

  private static void add(Map<String, Global> m, String module, String name, Call call) {
    m.put(module + "." + name, new Global(module, name, call));
  }

  // ---- implementations ----

  private static Object orderedDict(Tuple args) {
    if (args.size() != 0)
      throw new PickleException("only OrderedDict() with no arguments is supported");
    return new Dict("OrderedDict");
  }

  /**
   * {@code _rebuild_tensor(storage, offset, size, stride)}, {@code _v2(..., requires_grad,
   * backward_hooks[, metadata])}, {@code _v3(..., requires_grad, backward_hooks, dtype[,
   * metadata])}. Hooks and requires_grad do not matter for inference; metadata carries lazy
   * conj/neg bits, which we refuse rather than silently ignore.
   */
  private static Object rebuildTensor(Tuple a, int minArgs, int maxArgs, boolean explicitDtype) {
    if (a.size() < minArgs || a.size() > maxArgs) {
      throw new PickleException(
          "expected "
              + minArgs
              + (maxArgs > minArgs ? " or " + maxArgs : "")
              + " arguments, got "
              + a.size());
    }
    if (!(a.get(0) instanceof TorchStorage storage)) {
      throw new PickleException("first argument is " + Py.aTypeName(a.get(0)) + ", not a storage");
    }
    long offset = nonNegative(a.get(1), "storage offset");
    long[] size = longs(a.get(2), "size");
    long[] stride = longs(a.get(3), "stride");
    if (size.length != stride.length) {
      throw new PickleException(
          "size has " + size.length + " dimensions but stride has " + stride.length);
    }
    if (a.size() >= 5 && !(a.get(4) instanceof Boolean))
      throw new PickleException("requires_grad is not a bool");
    int metadataAt = explicitDtype ? 7 : 6;
    if (a.size() > metadataAt) checkMetadata(a.get(metadataAt));
    String dtypeName;
    DType dtype;
    if (explicitDtype) {
      if (!(a.get(6) instanceof Global g)
          || !g.module().equals("torch")
          || !DTYPES.containsKey(g.name())) {
        throw new PickleException(
            "dtype argument is " + Py.aTypeName(a.get(6)) + ", not a torch dtype");
      }
      dtypeName = g.name();
      dtype = DTYPES.get(g.name());
    } else {
      dtypeName = storage.dtypeName();
      dtype = storage.dtype();
    }
    if (dtype == null || !storage.supported())
      return new UnsupportedTensor(dtype == null ? dtypeName : storage.dtypeName());
    long elementCount = storage.byteSize() / dtype.byteSize();
    checkView(offset, size, stride, elementCount);
    return new TensorView(storage, dtype, offset, size, stride);
  }

  /** Every element the view can address must lie inside the storage (checked without overflow). */
  static void checkView(long offset, long[] size, long[] stride, long storageElements) {
    if (size.length > 64)
      throw new PickleException("tensor with " + size.length + " dimensions (limit 64)");
    long last = offset;
    try {
      long numel = 1;
      for (long s : size) numel = Math.multiplyExact(numel, s);
      // Stride-0 views (expand) may have far more elements than their storage: cap what loading one
      // allocates.
      Math.multiplyExact(numel, 16L);
      if (numel == 0) return; // no element is addressed
      for (int i = 0; i < size.length; i++)
        last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
    } catch (ArithmeticException e) {
      throw new PickleException(
          "view size "
              + java.util.Arrays.toString(size)
              + " / stride "
              + java.util.Arrays.toString(stride)
              + " overflows");
    }
    if (last >= storageElements) {
      throw new PickleException(
          "view (offset "
              + offset
              + ", size "
              + java.util.Arrays.toString(size)
              + ", stride "
              + java.util.Arrays.toString(stride)
              + ") reaches element "
              + last
              + " but its storage holds "
              + storageElements);
    }
  }

  private static void checkMetadata(Object metadata) {
    if (metadata == null) return;
    if (!(metadata instanceof Dict d))
      throw new PickleException("tensor metadata is " + Py.aTypeName(metadata) + ", not a dict");
    for (var e : d.items().entrySet()) {
      if (!Boolean.FALSE.equals(e.getValue())) {
        throw new PickleException(
            "tensor metadata "
                + Py.describe(e.getKey())
                + " (a lazy conjugate/negative view) is not supported");
      }
    }
  }

  private static Object parameterData(Tuple a, int n) {
    if (a.size() != n) throw new PickleException("expected " + n + " arguments, got " + a.size());
    Object data = a.get(0);
    if (!(data instanceof TensorView) && !(data instanceof UnsupportedTensor)) {
      throw new PickleException("parameter data is " + Py.aTypeName(data) + ", not a tensor");
    }
    return data;
  }

  /**
   * {@code _rebuild_from_type_v2(func, new_type, args, state)}: func(*args); Python attributes in
   * state are dropped.
   */
  private static Object rebuildFromType(Tuple a) {
    if (a.size() != 4) throw new PickleException("expected 4 arguments, got " + a.size());
    if (!(a.get(1) instanceof Global type)
        || !(type.qualifiedName().equals(TENSOR_CLASS)
            || type.qualifiedName().equals(PARAMETER_CLASS))) {
      throw new PickleException(
          "tensor subclass "
              + Py.describe(a.get(1))
              + " is not supported (only torch.Tensor and Parameter)");
    }
    if (!(a.get(0) instanceof Global f) || f.call() == null || !f.module().equals("torch._utils")) {
      throw new PickleException(
          "rebuild function " + Py.describe(a.get(0)) + " is not a tensor rebuild function");
    }
    if (!(a.get(2) instanceof Tuple args))
      throw new PickleException("arguments are " + Py.aTypeName(a.get(2)) + ", not a tuple");
    try {
      return parameterOrTensor(f.call().apply(args));
    } catch (PickleException e) {
      throw new PickleException(f.qualifiedName() + ": " + e.getMessage());
    }
  }

  private static Object parameterOrTensor(Object o) {
    if (o instanceof TensorView || o instanceof UnsupportedTensor) return o;
    throw new PickleException("rebuild function returned " + Py.aTypeName(o) + ", not a tensor");
  }

  private static Object size(Tuple a) {
    if (a.size() != 1 || !(a.get(0) instanceof Tuple t))
      throw new PickleException("expected one tuple argument");
    for (Object o : t.items()) {
      if (!(o instanceof Long))
        throw new PickleException("dimension is " + Py.aTypeName(o) + ", not an int");
    }
    return t;
  }

  /** How protocol 2 writes bytes: {@code _codecs.encode(str, 'latin1')}. */
  private static Object encode(Tuple a) {
    if (a.size() != 2 || !(a.get(0) instanceof String s) || !(a.get(1) instanceof String enc)) {
      throw new PickleException("expected (str, encoding)");
    }
    switch (enc.toLowerCase(java.util.Locale.ROOT)) {
      case "latin1", "latin-1", "iso-8859-1", "iso8859-1" -> {
        byte[] out = new byte[s.length()];
        for (int i = 0; i < s.length(); i++) {
          char c = s.charAt(i);
          if (c > 0xFF)
            throw new PickleException("character U+" + Integer.toHexString(c) + " is not latin-1");
          out[i] = (byte) c;
        }
        return new Bytes(out);
      }
      case "utf-8", "utf8" -> {
        return new Bytes(s.getBytes(StandardCharsets.UTF_8));
      }
      default ->
          throw new PickleException("encoding '" + enc + "' is not supported (latin1, utf-8)");
    }
  }

  private static Object set(String type, Tuple a) {
    if (a.size() == 0) return new Py.Set(type, new ArrayList<>());
    if (a.size() != 1 || !(a.get(0) instanceof List<?> l))
      throw new PickleException("expected one list argument");
    List<Object> items = new ArrayList<>(l);
    for (Object o : items)
      SafeUnpickler.checkHashable(o, 0, SafeUnpickler.Limits.DEFAULT.maxKeyDepth());
    return new Py.Set(type, items);
  }

  private static long nonNegative(Object o, String what) {
    if (!(o instanceof Long v) || v < 0)
      throw new PickleException(what + " is " + Py.describe(o) + ", not a non-negative int");
    return v;
  }

  private static long[] longs(Object o, String what) {
    if (!(o instanceof Tuple t))
      throw new PickleException(what + " is " + Py.aTypeName(o) + ", not a tuple");
    long[] out = new long[t.size()];
    for (int i = 0; i < out.length; i++) out[i] = nonNegative(t.get(i), what + " entry");
    return out;
  }
}
