package org.altdiffusion.io.pytorch;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.zip.CRC32;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.DType;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.io.pytorch.Py.Dict;
import org.altdiffusion.io.pytorch.Py.Global;
import org.altdiffusion.io.pytorch.Py.PickleException;
import org.altdiffusion.io.pytorch.Py.Tuple;
import org.altdiffusion.io.pytorch.TorchGlobals.TensorView;
import org.altdiffusion.io.pytorch.TorchGlobals.UnsupportedTensor;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A PyTorch zip checkpoint ({@code pytorch_model.bin}, {@code diffusion_pytorch_model.bin}, {@code
 * .ckpt}, {@code .pt}) read without running any pickle code.
 *
 * <p>Layout: a zip whose single top folder (any name) holds {@code data.pkl} (the pickled object),
 * {@code data/<key>} (one STORED entry per storage), {@code byteorder} and {@code version}. {@code
 * data.pkl} is interpreted by {@link SafeUnpickler} with the allow-list of {@link TorchGlobals};
 * storages are memory-mapped at their offset in the file and tensors are copied out of the map on
 * {@link #load}/{@link #loadRaw} (never written in place).
 *
 * <p>What is exposed: the top-level object must be a dict. If it has a {@code "state_dict"} entry
 * that is a dict (ldm / Lightning {@code .ckpt}), the tensors of that dict are exposed; otherwise
 * the tensors of the top-level dict (or, for an A1111 textual-inversion {@code .pt}, of its {@code
 * string_to_param} dict). Keys keep file order; entries that are not tensors ({@code global_step},
 * nested dicts, optimizer state) are skipped and listed by {@link #skippedKeys()}. Big-endian
 * checkpoints are byte-swapped on load. The legacy pre-1.6 (non-zip) format is refused with
 * instructions to convert it.
 *
 * <p>Storages are not CRC-checked on open (that would read gigabytes); {@code data.pkl} and {@code
 * byteorder} are. {@link #verifyChecksums()} checks every entry. A file truncated or rewritten by
 * another process while open can still fault on access (as with any mapping).
 */
public final class TorchCheckpoint implements TensorSource {
  /** Largest data.pkl accepted; real ones are small (about 150 bytes per tensor). */
  public static final long MAX_PICKLE_BYTES = 256L << 20;

  /** Largest region mapped at once (one mapping covers at most 2 GiB). */
  static final long MAP_WINDOW = 1L << 30;

  /** Start of the legacy (pre-1.6) format: pickle protocol 2 then LONG1 of torch's magic number. */
  private static final byte[] LEGACY_MAGIC = {
    (byte) 0x80,
    0x02,
    (byte) 0x8a,
    0x0a,
    0x6c,
    (byte) 0xfc,
    (byte) 0x9c,
    0x46,
    (byte) 0xf9,
    0x20,
    0x6a,
    (byte) 0xa8,
    0x50,
    0x19
  };

  /** Where a tensor lies: its storage entry, element offset, shape and strides (in elements). */
  public record TensorInfo(
      String storageKey, DType dtype, long storageOffset, long[] shape, long[] stride) {
    @Override
    public String toString() {
      return dtype
          + Arrays.toString(shape)
          + " stride "
          + Arrays.toString(stride)
          + " at "
          + storageOffset
          + " of storage "
          + storageKey;
    }
  }

  private final Path file;
  private final long mapWindow;
  private final FileChannel channel;
  private final ZipArchive zip;
  private final String prefix;
  private final boolean bigEndian;
  private final Map<String, TensorView> tensors;
  private final List<String> skipped;
  private final boolean fromStateDict;
  private final OptionalLong globalStep;
  private volatile boolean closed;

  /**
   * Opens and validates {@code file}: the zip directory, data.pkl, every storage the pickle names
   * and every view.
   */
  public static TorchCheckpoint open(Path file) {
    return new TorchCheckpoint(file, MAP_WINDOW);
  }

  /**
   * As {@link #open(Path)} with a smaller mapping window: lets tests exercise the windowed and
   * split copies.
   */
  static TorchCheckpoint open(Path file, long mapWindow) {
    if (mapWindow < 8)
      throw new IllegalArgumentException(
          "mapping window of " + mapWindow + " bytes is below one element");
    return new TorchCheckpoint(file, mapWindow);
  }

  private TorchCheckpoint(Path file, long mapWindow) {
    this.file = file;
    this.mapWindow = mapWindow;
    try {
      this.channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot open: " + e.getMessage(), e);
    }
    try {
      checkMagic();
      this.zip = new ZipArchive(file, channel);
      this.prefix = findPrefix();
      this.bigEndian = readByteOrder();
      byte[] pickle = zip.readSmall(entry(prefix + "data.pkl"), MAX_PICKLE_BYTES);
      Map<String, TorchStorage> storages = new HashMap<>();
      SafeUnpickler unpickler =
          new SafeUnpickler(
              file,
              prefix + "data.pkl",
              TorchGlobals.allowList(),
              pid -> persistentLoad(pid, storages),
              SafeUnpickler.Limits.DEFAULT);
      Object root = unpickler.load(pickle);
      Map<String, TensorView> found = new LinkedHashMap<>();
      List<String> skippedKeys = new ArrayList<>();
      this.fromStateDict = collectTensors(root, found, skippedKeys);
      this.globalStep = globalStepOf((Dict) root);
      this.tensors = Collections.unmodifiableMap(found);
      this.skipped = Collections.unmodifiableList(skippedKeys);
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  public Path file() {
    return file;
  }

  /** True when the tensors come from the {@code state_dict} entry of the top-level dict. */
  public boolean fromStateDict() {
    return fromStateDict;
  }

  /**
   * The integer {@code global_step} of the top-level dict (Lightning / ldm {@code .ckpt} files keep
   * it beside {@code state_dict}; a flat file beside its weights), if there is one. Diffusers'
   * conversion tells SD 2 base (875000) from 768-v by it.
   */
  public OptionalLong globalStep() {
    return globalStep;
  }

  private static OptionalLong globalStepOf(Dict top) {
    // a Python int is a Long (a BigInteger past 64 bits: no step of ours); a bool is not a step
    return top.get("global_step") instanceof Long step
        ? OptionalLong.of(step)
        : OptionalLong.empty();
  }

  /** String keys of the exposed dict whose values are not tensors (e.g. {@code global_step}). */
  public List<String> skippedKeys() {
    return skipped;
  }

  /**
   * True when the checkpoint was written on a big-endian machine (values are byte-swapped on load).
   */
  public boolean bigEndian() {
    return bigEndian;
  }

  /**
   * Where {@code key} lies in its storage; tensors sharing a storage report the same storageKey.
   */
  public TensorInfo info(String key) {
    TensorView v = view(key);
    return new TensorInfo(
        v.storage().key(), v.dtype(), v.offset(), v.size().clone(), v.stride().clone());
  }

  @Override
  public Set<String> keys() {
    return tensors.keySet();
  }

  @Override
  public long[] shape(String key) {
    return view(key).size().clone();
  }

  @Override
  public String dtype(String key) {
    return view(key).dtype().safetensorsName();
  }

  @Override
  public Tensor loadRaw(String key) {
    TensorView v = view(key);
    Tensor out = allocate(key, v, v.dtype().scalarType());
    copyView(key, v, v.offset(), v.size(), v.stride(), out);
    return bigEndian ? byteSwapped(out, v.dtype()) : out;
  }

  @Override
  public Tensor load(String key) {
    TensorView v = view(key);
    DType d = v.dtype();
    if (d == DType.F32
        || d == DType.I64
        || d == DType.BOOL
        || bigEndian
        || spanBytes(v) > mapWindow) {
      return DType.widen(loadRaw(key));
    }
    // Convert while copying out of the map: one pass, no intermediate tensor.
    Tensor out = allocate(key, v, d.floating() ? ScalarType.Float : ScalarType.Long);
    copyView(key, v, v.offset(), v.size(), v.stride(), out);
    return out;
  }

  /**
   * The output tensor; a view whose expanded size cannot be allocated is reported as such, not as a
   * native error.
   */
  private Tensor allocate(String key, TensorView v, ScalarType type) {
    try {
      return torch.empty(v.size(), new TensorOptions(type), null);
    } catch (RuntimeException e) {
      String m = String.valueOf(e.getMessage()).strip();
      int nl = m.indexOf('\n');
      throw new CheckpointException(
          file,
          "cannot allocate tensor '"
              + Py.printable(key)
              + "' of shape "
              + Arrays.toString(v.size())
              + ": "
              + (nl > 0 ? m.substring(0, nl) : m),
          e);
    }
  }

  /** Checks the CRC-32 of every entry, storages included (reads the whole file once). */
  public void verifyChecksums() {
    for (ZipArchive.Entry e : zip.entries().values()) {
      CRC32 crc = new CRC32();
      long done = 0;
      while (done < e.size()) {
        long n = Math.min(mapWindow, e.size() - done);
        crc.update(map(e.dataOffset() + done, n, e.name()));
        done += n;
      }
      if (crc.getValue() != e.crc()) {
        throw new CheckpointException(
            file,
            "entry '" + Py.printable(e.name()) + "' fails its CRC-32 check: the file is corrupt");
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly();
  }

  // ---- opening ----

  private void checkMagic() {
    ByteBuffer head = ByteBuffer.allocate(LEGACY_MAGIC.length);
    try {
      while (head.hasRemaining() && channel.read(head, head.position()) >= 0) {
        // fill
      }
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
    byte[] b = Arrays.copyOf(head.array(), head.position());
    if (b.length >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) return;
    if (Arrays.equals(b, LEGACY_MAGIC)) {
      throw new CheckpointException(
          file,
          "this is the legacy (pre-1.6, non-zip) PyTorch format written by torch.save(...,"
              + " _use_new_zipfile_serialization=False), which is not supported. Convert it once"
              + " with Python: torch.save(torch.load('IN', weights_only=True), 'OUT.bin') writes"
              + " the zip format we read (or safetensors.torch.save_file(torch.load('IN',"
              + " weights_only=True), 'OUT.safetensors'))");
    }
    if (b.length > 0 && (b[0] & 0xFF) == 0x80) {
      throw new CheckpointException(
          file,
          "a bare pickle, not a PyTorch zip checkpoint (expected a zip archive starting with"
              + " 'PK')");
    }
    throw new CheckpointException(
        file,
        "not a PyTorch checkpoint: expected a zip archive starting with 'PK\\3\\4'"
            + (b.length < 4 ? " (the file is " + b.length + " bytes)" : ""));
  }

  /**
   * The folder holding data.pkl: torch names it after the file ("archive/", "pytorch_model/", ...).
   */
  private String findPrefix() {
    List<String> candidates = new ArrayList<>();
    for (String name : zip.entries().keySet()) {
      if (!name.endsWith("data.pkl")) continue;
      String folder = name.substring(0, name.length() - "data.pkl".length());
      if (folder.isEmpty() || (folder.indexOf('/') == folder.length() - 1)) candidates.add(folder);
    }
    if (candidates.isEmpty()) {
      throw new CheckpointException(
          file,
          "zip archive without a '<folder>/data.pkl' entry: not a PyTorch checkpoint "
              + "(entries: "
              + Py.printable(describeEntries(), 500)
              + ")");
    }
    if (candidates.size() > 1) {
      throw new CheckpointException(
          file,
          "several data.pkl entries "
              + Py.printable(candidates.toString(), 500)
              + ": ambiguous archive");
    }
    return candidates.get(0);
  }

  private String describeEntries() {
    List<String> names = new ArrayList<>(zip.entries().keySet());
    return names.size() <= 6
        ? names.toString()
        : names.subList(0, 6) + " and " + (names.size() - 6) + " more";
  }

  private boolean readByteOrder() {
    ZipArchive.Entry e = zip.entries().get(prefix + "byteorder");
    if (e == null) return false; // written since torch 1.10; older files are little-endian
    String order = new String(zip.readSmall(e, 64), StandardCharsets.US_ASCII).trim();
    return switch (order) {
      case "little" -> false;
      case "big" -> true;
      default ->
          throw new CheckpointException(
              file,
              "byteorder record says '" + Py.printable(order) + "' (expected 'little' or 'big')");
    };
  }

  private ZipArchive.Entry entry(String name) {
    ZipArchive.Entry e = zip.entries().get(name);
    if (e == null) {
      throw new CheckpointException(
          file,
          "zip entry '"
              + Py.printable(name)
              + "' is missing (entries: "
              + Py.printable(describeEntries(), 500)
              + ")");
    }
    return e;
  }

  /**
   * BINPERSID: {@code ('storage', storage_type, key, location, numel)} → the storage, validated
   * against its entry.
   */
  private Object persistentLoad(Object pid, Map<String, TorchStorage> storages) {
    if (!(pid instanceof Tuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
      throw new PickleException(
          "persistent id " + Py.describe(pid) + " is not ('storage', type, key, location, numel)");
    }
    if (!(t.get(1) instanceof Global type) || type.call() != null) {
      throw new PickleException(
          "storage type " + Py.describe(t.get(1)) + " is not a storage class");
    }
    if (!(t.get(2) instanceof String key))
      throw new PickleException("storage key " + Py.describe(t.get(2)) + " is not a str");
    if (!(t.get(3) instanceof String))
      throw new PickleException("storage location " + Py.describe(t.get(3)) + " is not a str");
    if (!(t.get(4) instanceof Long numel) || numel < 0) {
      throw new PickleException(
          "storage size " + Py.describe(t.get(4)) + " is not a non-negative int");
    }
    TorchStorage known = storages.get(key);
    if (known != null) {
      if (!known.typeName().equals(type.qualifiedName()) || known.numel() != numel) {
        throw new PickleException(
            "storage '" + key + "' is named twice with different types or sizes");
      }
      return known;
    }
    DType dtype;
    String dtypeName;
    String typeName = type.qualifiedName();
    if (typeName.equals(TorchGlobals.UNTYPED_STORAGE) || typeName.equals("torch.UntypedStorage")) {
      dtype = DType.U8; // numel counts bytes; _rebuild_tensor_v3 names the tensor's dtype
      dtypeName = "uint8";
    } else if (TorchGlobals.STORAGE_TYPES.containsKey(type.name())) {
      dtype = TorchGlobals.STORAGE_TYPES.get(type.name());
      dtypeName = dtype.toString();
    } else if (TorchGlobals.UNSUPPORTED_STORAGE_TYPES.containsKey(type.name())) {
      dtype = null;
      dtypeName = TorchGlobals.UNSUPPORTED_STORAGE_TYPES.get(type.name());
    } else {
      throw new PickleException("'" + typeName + "' is not a storage class");
    }
    ZipArchive.Entry e = zip.entries().get(prefix + "data/" + key);
    if (e == null)
      throw new PickleException(
          "storage '" + key + "' is missing: no zip entry '" + prefix + "data/" + key + "'");
    zip.requireStored(e);
    if (dtype != null) {
      long need;
      try {
        need = Math.multiplyExact(numel, (long) dtype.byteSize());
      } catch (ArithmeticException x) {
        throw new PickleException("storage '" + key + "' size " + numel + " overflows");
      }
      if (e.size() != need) {
        throw new PickleException(
            "storage '"
                + key
                + "' declares "
                + numel
                + " x "
                + dtype
                + " ("
                + need
                + " bytes) but entry '"
                + e.name()
                + "' holds "
                + e.size()
                + " bytes");
      }
    }
    TorchStorage s = new TorchStorage(key, typeName, dtype, dtypeName, numel, e, e.size());
    storages.put(key, s);
    return s;
  }

  /**
   * Picks the dict whose tensors are exposed; returns whether it was the {@code state_dict} entry.
   */
  private boolean collectTensors(
      Object root, Map<String, TensorView> out, List<String> skippedKeys) {
    if (!(root instanceof Dict top)) {
      throw new CheckpointException(
          file,
          "the pickled object is "
              + Py.aTypeName(root)
              + ", not a dict of tensors (a state dict); save model.state_dict() rather than the"
              + " model");
    }
    boolean nested = top.get("state_dict") instanceof Dict;
    // A1111's textual-inversion files keep their vectors in a dict under "string_to_param"
    Dict d =
        nested
            ? (Dict) top.get("state_dict")
            : top.get("string_to_param") instanceof Dict embedding ? embedding : top;
    for (var e : d.items().entrySet()) {
      Object v = e.getValue();
      boolean tensor = v instanceof TensorView || v instanceof UnsupportedTensor;
      if (!(e.getKey() instanceof String key)) {
        if (tensor)
          throw new CheckpointException(
              file,
              "a tensor is stored under "
                  + Py.aTypeName(e.getKey())
                  + " key "
                  + Py.describe(e.getKey())
                  + ", not a str");
        continue;
      }
      if (v instanceof UnsupportedTensor u) {
        throw new CheckpointException(
            file,
            "tensor '"
                + Py.printable(key)
                + "' has dtype "
                + u.dtypeName()
                + ", which is not supported (accepted: "
                + DType.accepted()
                + ")");
      }
      if (v instanceof TensorView view) out.put(key, view);
      else skippedKeys.add(key);
    }
    return nested;
  }

  // ---- reading ----

  private TensorView view(String key) {
    TensorView v = tensors.get(key);
    if (v == null)
      throw new CheckpointException(file, "no tensor named '" + Py.printable(key) + "'");
    if (closed) throw new CheckpointException(file, "checkpoint is closed");
    return v;
  }

  private static long spanBytes(TensorView v) {
    return spanElements(v.size(), v.stride()) * v.dtype().byteSize();
  }

  /**
   * Elements from the first to the last one the view addresses (0 for an empty view); bounded by
   * checkView.
   */
  private static long spanElements(long[] size, long[] stride) {
    long last = 0;
    for (int i = 0; i < size.length; i++) {
      if (size[i] == 0) return 0;
      last += (size[i] - 1) * stride[i];
    }
    return last + 1;
  }

  /**
   * Copies the strided view {@code (offset, size, stride)} of {@code v}'s storage into {@code out}
   * (contiguous, any dtype: libtorch converts while copying). Maps at most {@code mapWindow} bytes
   * at once: larger views are split along their widest-stride dimension, or, when contiguous,
   * copied in windows.
   */
  private void copyView(
      String key, TensorView v, long offset, long[] size, long[] stride, Tensor out) {
    long span = spanElements(size, stride);
    if (span == 0) return;
    int es = v.dtype().byteSize();
    long start = v.storage().entry().dataOffset() + offset * es;
    if (rowMajor(size, stride)
        && out.is_contiguous()
        && out.scalar_type().value == v.dtype().scalarType().value) {
      copyContiguous(
          key, start, span * es, out); // both dense row-major, same dtype: byte copy in windows
      return;
    }
    if (span * es <= mapWindow) {
      MappedByteBuffer map = map(start, span * es, key);
      try {
        Tensor src =
            torch.from_blob(
                new BytePointer(map), size, stride, new TensorOptions(v.dtype().scalarType()));
        out.copy_(src);
      } finally {
        Reference.reachabilityFence(map);
      }
      return;
    }
    // Split along the widest-stride dimension into chunks that each fit one window; if one index
    // along it is still too wide, recurse into the sub-views without that dimension.
    int d = 0;
    for (int i = 1; i < size.length; i++)
      if (size[i] > 1 && (size[d] <= 1 || stride[i] > stride[d])) d = i;
    long[] rest = size.clone();
    rest[d] = 1;
    long restSpan = spanElements(rest, stride);
    long windowElements = mapWindow / es;
    long chunk =
        restSpan > windowElements
            ? 1
            : Math.min(size[d], (windowElements - restSpan) / stride[d] + 1);
    if (chunk == 1) {
      long[] subSize = remove(size, d);
      long[] subStride = remove(stride, d);
      for (long i = 0; i < size[d]; i++)
        copyView(key, v, offset + i * stride[d], subSize, subStride, out.select(d, i));
      return;
    }
    for (long i = 0; i < size[d]; i += chunk) {
      long n = Math.min(chunk, size[d] - i);
      long[] sub = size.clone();
      sub[d] = n;
      copyView(key, v, offset + i * stride[d], sub, stride, out.narrow(d, i, n));
    }
  }

  private void copyContiguous(String key, long start, long bytes, Tensor out) {
    BytePointer dst = new BytePointer(out.data_ptr()).capacity(bytes);
    long done = 0;
    while (done < bytes) {
      long n = Math.min(mapWindow, bytes - done);
      MappedByteBuffer map = map(start + done, n, key);
      try {
        dst.position(done).put(new BytePointer(map).limit(n));
      } finally {
        Reference.reachabilityFence(map);
      }
      done += n;
    }
  }

  private MappedByteBuffer map(long position, long length, String what) {
    if (position < 0 || length < 0 || position + length > zip.fileSize()) {
      throw new CheckpointException(
          file,
          "'"
              + Py.printable(what)
              + "' lies outside the file"); // excluded when opening; kept as a guard
    }
    try {
      return channel.map(FileChannel.MapMode.READ_ONLY, position, length);
    } catch (IOException e) {
      throw new CheckpointException(
          file,
          closed ? "checkpoint is closed" : "cannot map '" + what + "': " + e.getMessage(),
          e);
    }
  }

  /** Reverses the bytes of every element: [N] -> [N, size] bytes, flipped along the last axis. */
  private static Tensor byteSwapped(Tensor t, DType d) {
    if (d.byteSize() == 1 || t.numel() == 0) return t;
    long[] shape = t.sizes().vec().get();
    Tensor bytes =
        t.reshape(-1).view(ScalarType.Byte).view(-1, d.byteSize()); // [numel, elementBytes]
    return bytes.flip(1).contiguous().view(d.scalarType()).view(shape);
  }

  /** True when the view is dense in row-major order (dimensions of size 1 may have any stride). */
  private static boolean rowMajor(long[] size, long[] stride) {
    long expected = 1;
    for (int i = size.length - 1; i >= 0; i--) {
      if (size[i] == 1) continue;
      if (stride[i] != expected) return false;
      expected *= size[i];
    }
    return true;
  }

  private static long[] remove(long[] a, int i) {
    long[] out = new long[a.length - 1];
    System.arraycopy(a, 0, out, 0, i);
    System.arraycopy(a, i + 1, out, i, a.length - i - 1);
    return out;
  }

  private void closeQuietly() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // read-only
    }
  }
}
