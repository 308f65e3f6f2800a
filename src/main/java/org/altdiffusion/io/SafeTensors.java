package org.altdiffusion.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The safetensors format: u64 little-endian header length N, a JSON header of N bytes, then the
 * data section. Reading validates every rule of the format before any tensor is touched; values
 * are copied out of a read-only memory map (never written in place) one tensor at a time.
 */
public final class SafeTensors {
  /** Largest header the reference library accepts. */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  private SafeTensors() {}

  /** One tensor's entry in the header. {@code begin}/{@code end} are absolute file offsets. */
  public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    public long byteSize() {
      return end - begin;
    }
  }

  /** Opens and validates {@code file}. */
  public static Reader open(Path file) {
    return new Reader(file);
  }

  /** A validated safetensors file; a {@link TensorSource}. */
  public static final class Reader implements TensorSource {
    private final Path file;
    private final FileChannel channel;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    Reader(Path file) {
      this.file = file;
      try {
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
      } catch (IOException e) {
        throw new CheckpointException(file, "cannot open: " + e.getMessage(), e);
      }
      try {
        Map<String, String> meta = new LinkedHashMap<>();
        this.entries = readHeader(meta);
        this.metadata = Collections.unmodifiableMap(meta);
      } catch (RuntimeException e) {
        closeQuietly();
        throw e;
      }
    }

    public Path file() {
      return file;
    }

    /** The optional {@code __metadata__} map of strings. */
    public Map<String, String> metadata() {
      return metadata;
    }

    public Entry entry(String key) {
      Entry e = entries.get(key);
      if (e == null) throw new CheckpointException(file, "no tensor named '" + key + "'");
      return e;
    }

    @Override
    public Set<String> keys() {
      return Collections.unmodifiableSet(entries.keySet());
    }

    @Override
    public long[] shape(String key) {
      return entry(key).shape().clone();
    }

    @Override
    public String dtype(String key) {
      return entry(key).dtype().safetensorsName();
    }

    @Override
    public Tensor load(String key) {
      return DType.widen(loadRaw(key));
    }

    @Override
    public Tensor loadRaw(String key) {
      Entry e = entry(key);
      Tensor out = torch.empty(e.shape(), new TensorOptions(e.dtype().scalarType()), null);
      if (e.byteSize() == 0) return out;
      BytePointer dst = new BytePointer(out.data_ptr()).capacity(e.byteSize());
      // Copy in windows: one mapping covers at most 2 GiB.
      long done = 0;
      long window = 1L << 30;
      try {
        while (done < e.byteSize()) {
          long n = Math.min(window, e.byteSize() - done);
          MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, e.begin() + done, n);
          BytePointer src = new BytePointer(map);
          dst.position(done).put(src.limit(n));
          done += n;
        }
      } catch (IOException ex) {
        throw new CheckpointException(file, "cannot read tensor '" + key + "': " + ex.getMessage(), ex);
      }
      return out;
    }

    @Override
    public void close() {
      closeQuietly();
    }

    private void closeQuietly() {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing was written
      }
    }

    private Map<String, Entry> readHeader(Map<String, String> meta) {
      long fileSize;
      try {
        fileSize = channel.size();
      } catch (IOException e) {
        throw new CheckpointException(file, "cannot read size: " + e.getMessage(), e);
      }
      if (fileSize < 8) throw fail("file is " + fileSize + " bytes, shorter than the 8-byte header length");
      ByteBuffer lenBuf = readFully(0, 8).order(ByteOrder.LITTLE_ENDIAN);
      long headerLen = lenBuf.getLong();
      if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
        throw fail("header length " + Long.toUnsignedString(headerLen) + " is over the limit of " + MAX_HEADER_BYTES + " bytes");
      }
      if (8 + headerLen > fileSize) {
        throw fail("header length " + headerLen + " runs past the end of the file (" + fileSize + " bytes): truncated?");
      }
      String json = decodeUtf8(readFully(8, (int) headerLen));
      JsonNode root = parseJson(json);
      if (!root.isObject()) throw fail("header is not a JSON object");
      long dataStart = 8 + headerLen;
      long dataSize = fileSize - dataStart;
      List<Entry> list = new ArrayList<>();
      Iterator<Map.Entry<String, JsonNode>> it = root.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> f = it.next();
        if (f.getKey().equals("__metadata__")) {
          readMetadata(f.getValue(), meta);
          continue;
        }
        list.add(parseEntry(f.getKey(), f.getValue(), dataStart));
      }
      checkLayout(list, dataStart, dataSize);
      Map<String, Entry> out = new LinkedHashMap<>();
      for (Entry e : list) out.put(e.name(), e);
      return out;
    }

    private Entry parseEntry(String name, JsonNode node, long dataStart) {
      if (!node.isObject()) throw fail("entry '" + name + "' is not a JSON object");
      JsonNode dtypeNode = node.get("dtype");
      JsonNode shapeNode = node.get("shape");
      JsonNode offsetsNode = node.get("data_offsets");
      if (dtypeNode == null || !dtypeNode.isTextual()) throw fail("entry '" + name + "' has no string 'dtype'");
      if (shapeNode == null || !shapeNode.isArray()) throw fail("entry '" + name + "' has no array 'shape'");
      if (offsetsNode == null || !offsetsNode.isArray() || offsetsNode.size() != 2) {
        throw fail("entry '" + name + "' needs 'data_offsets' as [begin, end]");
      }
      DType dtype;
      try {
        dtype = DType.parse(dtypeNode.asText());
      } catch (IllegalArgumentException e) {
        throw fail("entry '" + name + "': " + e.getMessage());
      }
      long[] shape = new long[shapeNode.size()];
      for (int i = 0; i < shape.length; i++) {
        JsonNode d = shapeNode.get(i);
        if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
          throw fail("entry '" + name + "' has a shape dimension that is not a non-negative integer: " + d);
        }
        shape[i] = d.asLong();
      }
      long begin = offset(name, offsetsNode.get(0));
      long end = offset(name, offsetsNode.get(1));
      if (end < begin) throw fail("entry '" + name + "' ends (" + end + ") before it begins (" + begin + ")");
      long expected;
      try {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        expected = Math.multiplyExact(n, (long) dtype.byteSize());
      } catch (ArithmeticException e) {
        throw fail("entry '" + name + "': size of shape " + Arrays.toString(shape) + " overflows");
      }
      if (end - begin != expected) {
        throw fail("entry '" + name + "' holds " + (end - begin) + " bytes but " + dtype + " x " + Arrays.toString(shape) + " needs " + expected);
      }
      return new Entry(name, dtype, shape, dataStart + begin, dataStart + end);
    }

    private long offset(String name, JsonNode n) {
      if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
        throw fail("entry '" + name + "' has an offset that is not a non-negative integer: " + n);
      }
      return n.asLong();
    }

    /** Tensors must tile the data section exactly: no gap, no overlap, nothing after the last. */
    private void checkLayout(List<Entry> list, long dataStart, long dataSize) {
      List<Entry> sorted = new ArrayList<>(list);
      sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
      long cursor = dataStart;
      for (Entry e : sorted) {
        if (e.begin() < cursor) throw fail("tensor '" + e.name() + "' overlaps the tensor before it");
        if (e.begin() > cursor) throw fail("gap of " + (e.begin() - cursor) + " bytes before tensor '" + e.name() + "'");
        cursor = e.end();
      }
      long used = cursor - dataStart;
      if (used != dataSize) {
        throw fail("the data section is " + dataSize + " bytes but the tensors cover " + used
            + (used < dataSize ? " (trailing bytes)" : " (truncated file)"));
      }
    }

    private void readMetadata(JsonNode node, Map<String, String> meta) {
      if (!node.isObject()) throw fail("__metadata__ is not a JSON object");
      Iterator<Map.Entry<String, JsonNode>> it = node.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> f = it.next();
        if (!f.getValue().isTextual()) throw fail("__metadata__ value of '" + f.getKey() + "' is not a string");
        meta.put(f.getKey(), f.getValue().asText());
      }
    }

    private ByteBuffer readFully(long position, int length) {
      ByteBuffer buf = ByteBuffer.allocate(length);
      try {
        while (buf.hasRemaining()) {
          int n = channel.read(buf, position + buf.position());
          if (n < 0) throw fail("unexpected end of file");
        }
      } catch (IOException e) {
        throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
      }
      return buf.flip();
    }

    private String decodeUtf8(ByteBuffer bytes) {
      try {
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(bytes).toString();
      } catch (CharacterCodingException e) {
        throw fail("header is not valid UTF-8");
      }
    }

    private JsonNode parseJson(String json) {
      try {
        return STRICT_JSON.readTree(json);
      } catch (IOException e) {
        String m = e.getMessage();
        int cut = m == null ? -1 : m.indexOf("\n at [Source");
        throw fail("header is not valid JSON: " + (cut > 0 ? m.substring(0, cut) : m));
      }
    }

    private CheckpointException fail(String problem) {
      return new CheckpointException(file, "not a valid safetensors file: " + problem);
    }
  }

  /** Jackson configured to refuse duplicate keys (the format forbids duplicate names). */
  static final ObjectMapper STRICT_JSON = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  /**
   * Writes {@code tensors} (any supported dtype, kept as is) with optional string metadata, in the
   * given order, to a temporary file renamed over {@code file} at the end, so that a failure never
   * leaves a half-written checkpoint under the final name.
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
    ObjectNode header = STRICT_JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    List<Tensor> contiguous = new ArrayList<>();
    long offset = 0;
    Set<String> names = new LinkedHashSet<>();
    for (var e : tensors.entrySet()) {
      if (e.getKey().equals("__metadata__")) throw new IllegalArgumentException("'__metadata__' is not a valid tensor name");
      if (!names.add(e.getKey())) throw new IllegalArgumentException("duplicate tensor name " + e.getKey());
      Tensor t = e.getValue().detach().contiguous();
      DType d = DType.of(t.scalar_type());
      long bytes = t.numel() * d.byteSize();
      ObjectNode n = header.putObject(e.getKey());
      n.put("dtype", d.safetensorsName());
      var shape = n.putArray("shape");
      for (long s : t.sizes().vec().get()) shape.add(s);
      var off = n.putArray("data_offsets");
      off.add(offset);
      off.add(offset + bytes);
      offset += bytes;
      contiguous.add(t);
    }
    byte[] json;
    try {
      json = STRICT_JSON.writeValueAsBytes(header);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    // Pad the header with spaces to a multiple of 8 like the reference writer, for aligned data.
    int padded = (json.length + 7) / 8 * 8;
    byte[] headerBytes = Arrays.copyOf(json, padded);
    Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).flip();
      writeAll(out, len);
      writeAll(out, ByteBuffer.wrap(headerBytes));
      for (Tensor t : contiguous) {
        long bytes = t.numel() * t.element_size();
        if (bytes == 0) continue;
        BytePointer p = new BytePointer(t.data_ptr()).capacity(bytes);
        long done = 0;
        while (done < bytes) {
          int n = (int) Math.min(1 << 26, bytes - done);
          writeAll(out, p.position(done).limit(done + n).asByteBuffer());
          done += n;
        }
      }
      out.force(true);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // best effort
      }
      throw new CheckpointException(file, "cannot write: " + e.getMessage(), e);
    }
    try {
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot rename the written file into place: " + e.getMessage(), e);
    }
  }

  private static void writeAll(FileChannel out, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) out.write(buf);
  }
}
