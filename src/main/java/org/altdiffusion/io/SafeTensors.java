package org.altdiffusion.io;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.altdiffusion.engine.TorchErrors;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The safetensors format: u64 little-endian header length N, a JSON header of N bytes, then the
 * data section. Opening validates every rule of the format ({@link SafeTensorsHeader}) before any
 * tensor is touched; values are then read one tensor at a time with positional reads straight into
 * the tensor's memory (no memory map: a file truncated under us gives an error, not a SIGBUS).
 */
public final class SafeTensors {
  /** Largest header the reference library accepts. */
  public static final long MAX_HEADER_BYTES = SafeTensorsHeader.MAX_HEADER_BYTES;

  /**
   * Bytes per read or write call; a Java buffer covers at most 2 GiB, so bigger tensors take
   * several.
   */
  static final int WINDOW_BYTES = 1 << 30;

  private SafeTensors() {}

  /** One tensor's entry in the header. {@code begin}/{@code end} are absolute file offsets. */
  public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    /** A copy: the entry stays as validated. */
    @Override
    public long[] shape() {
      return shape.clone();
    }

    public long byteSize() {
      return end - begin;
    }
  }

  /** Opens and validates {@code file}; every problem is a {@link CheckpointException}. */
  public static Reader open(Path file) {
    return new Reader(file, WINDOW_BYTES);
  }

  /**
   * As {@link #open(Path)}, reading at most {@code windowBytes} per call (tests use tiny windows).
   */
  static Reader open(Path file, int windowBytes) {
    return new Reader(file, windowBytes);
  }

  /** A validated safetensors file; a {@link TensorSource}. Safe to read from several threads. */
  public static final class Reader implements TensorSource {
    private final Path file;
    private final int windowBytes;
    private final FileChannel channel;
    private final SafeTensorsHeader header;

    Reader(Path file, int windowBytes) {
      if (windowBytes <= 0)
        throw new IllegalArgumentException("window must be positive: " + windowBytes);
      this.file = file;
      this.windowBytes = windowBytes;
      this.channel = openChannel(file);
      try {
        this.header = SafeTensorsHeader.read(file, channel);
      } catch (RuntimeException e) {
        closeQuietly();
        throw e;
      }
    }

    public Path file() {
      return file;
    }

    /** The optional {@code __metadata__} map of strings (empty when absent). */
    public Map<String, String> metadata() {
      return header.metadata;
    }

    /** The header's length N in bytes (the data section starts at 8 + N). */
    public long headerLength() {
      return header.headerLength;
    }

    public Entry entry(String key) {
      Entry e = header.entries.get(key);
      if (e == null) throw new CheckpointException(file, "no tensor named " + Names.quote(key));
      return e;
    }

    @Override
    public Set<String> keys() {
      return header.entries.keySet();
    }

    @Override
    public long[] shape(String key) {
      return entry(key).shape();
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
      Tensor out = allocate(e);
      if (e.byteSize() > 0) readInto(out, e);
      return out;
    }

    private Tensor allocate(Entry e) {
      try {
        return torch.empty(e.shape(), new TensorOptions(e.dtype().scalarType()), null);
      } catch (RuntimeException ex) {
        // libtorch refuses (allocation failure); our validation already excludes unrepresentable
        // shapes
        String why = TorchErrors.isNative(ex) ? TorchErrors.firstLine(ex) : ex.toString();
        throw new CheckpointException(
            file,
            "cannot allocate "
                + e.byteSize()
                + " bytes for tensor "
                + Names.quote(e.name())
                + ": "
                + why,
            ex);
      }
    }

    /**
     * Reads the tensor's bytes window by window directly into its memory. Each window is a buffer
     * over a pointer starting at the window ({@code getPointer}): JavaCPP's buffers start at the
     * pointer's address, so a window past 2 GiB cannot be expressed as a position.
     */
    private void readInto(Tensor out, Entry e) {
      BytePointer base = new BytePointer(out.data_ptr()).capacity(e.byteSize());
      long done = 0;
      try {
        while (done < e.byteSize()) {
          int n = (int) Math.min(windowBytes, e.byteSize() - done);
          ByteBuffer window =
              base.getPointer(done)
                  .limit(n)
                  .asByteBuffer(); // tensor bytes [done, done+n), position 0
          while (window.hasRemaining()) {
            int read = channel.read(window, e.begin() + done + window.position());
            if (read < 0) {
              throw new CheckpointException(
                  file,
                  "the file ended while reading tensor "
                      + Names.quote(e.name())
                      + " (it was shortened after it was opened?)");
            }
          }
          done += n;
        }
      } catch (ClosedChannelException ex) {
        throw new CheckpointException(
            file,
            "cannot read tensor "
                + Names.quote(e.name())
                + ": the reader is closed (closed, or its thread was interrupted during a read)",
            ex);
      } catch (IOException ex) {
        throw new CheckpointException(
            file, "cannot read tensor " + Names.quote(e.name()) + ": " + ex.getMessage(), ex);
      }
    }

    @Override
    public void close() {
      closeQuietly();
    }

    private void closeQuietly() {
      try {
        channel.close();
      } catch (IOException ignored) {
        // read-only: nothing to flush
      }
    }
  }

  private static FileChannel openChannel(Path file) {
    try {
      if (Files.isDirectory(file))
        throw new CheckpointException(file, "is a directory, not a safetensors file");
      return FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new CheckpointException(file, "file not found", e);
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot open: " + e.getMessage(), e);
    }
  }

  /**
   * Jackson for config files: duplicate keys and content after the JSON value are errors, as they
   * are for the reference's JSON parsers.
   */
  static final ObjectMapper STRICT_JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  /**
   * Writes {@code tensors} (any supported dtype, kept as is, moved to the CPU if needed) with
   * optional string metadata, in the given order, like the reference writer: header padded with
   * spaces to a multiple of 8 bytes. The data goes to a temporary file renamed over {@code file} at
   * the end, so that a failure never leaves a half-written checkpoint under the final name.
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
    write(file, tensors, metadata, WINDOW_BYTES);
  }

  /**
   * As {@link #write(Path, Map, Map)}, writing at most {@code windowBytes} per call (tests use tiny
   * windows).
   */
  static void write(
      Path file, Map<String, Tensor> tensors, Map<String, String> metadata, int windowBytes) {
    List<Tensor> contiguous = new ArrayList<>();
    byte[] headerBytes = header(tensors, metadata, contiguous);
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel out =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      writeAll(
          out,
          ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length).flip());
      writeAll(out, ByteBuffer.wrap(headerBytes));
      for (Tensor t : contiguous) {
        long bytes = t.numel() * t.element_size();
        BytePointer p = new BytePointer(t.data_ptr()).capacity(bytes);
        for (long done = 0; done < bytes; ) {
          int n = (int) Math.min(windowBytes, bytes - done);
          writeAll(
              out,
              p.getPointer(done)
                  .limit(n)
                  .asByteBuffer()); // tensor bytes [done, done+n), position 0
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
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new CheckpointException(
          file, "cannot rename the written file into place: " + e.getMessage(), e);
    }
  }

  /** The padded JSON header; fills {@code contiguous} with the CPU, contiguous tensors to write. */
  private static byte[] header(
      Map<String, Tensor> tensors, Map<String, String> metadata, List<Tensor> contiguous) {
    ObjectNode header = STRICT_JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(
          (k, v) -> {
            if (k == null || v == null || !Names.wellFormed(k) || !Names.wellFormed(v)) {
              throw new IllegalArgumentException(
                  "metadata keys and values must be well-formed strings: " + k + "=" + v);
            }
            meta.put(k, v);
          });
    }
    long offset = 0;
    for (var e : tensors.entrySet()) {
      String name = e.getKey();
      if (name == null || name.equals("__metadata__") || !Names.wellFormed(name)) {
        throw new IllegalArgumentException(
            "invalid tensor name " + (name == null ? "null" : Names.quote(name)));
      }
      Tensor t = e.getValue().detach().cpu().contiguous();
      DType d = DType.of(t.scalar_type());
      long bytes = Math.multiplyExact(t.numel(), (long) d.byteSize());
      ObjectNode n = header.putObject(name);
      n.put("dtype", d.safetensorsName());
      var shape = n.putArray("shape");
      for (long s : t.sizes().vec().get()) shape.add(s);
      n.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
      contiguous.add(t);
    }
    byte[] json;
    try {
      json = STRICT_JSON.writeValueAsBytes(header);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    int padded = (json.length + 7) / 8 * 8; // 8-byte aligned data, as the reference writes
    if (padded > MAX_HEADER_BYTES) {
      throw new IllegalArgumentException(
          "header of " + padded + " bytes is over the format's limit of " + MAX_HEADER_BYTES);
    }
    byte[] out = Arrays.copyOf(json, padded);
    Arrays.fill(out, json.length, padded, (byte) ' ');
    return out;
  }

  private static void writeAll(FileChannel out, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) out.write(buf);
  }
}
