package org.altdiffusion.io.fuzz;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.altdiffusion.io.DType;

/**
 * Valid inputs to start mutating from: random safetensors files built here, or files from a folder.
 */
final class Seeds {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] NAME_PARTS = {
    "weight", "bias", "unet.conv_in", "down_blocks.0", "ü", "名前", "a\"b", "tab\t", "x"
  };

  private Seeds() {}

  /**
   * A valid safetensors file: 0-6 tensors of random dtypes and shapes (rank 0-4, dimensions 0-5, so
   * scalars and zero-size tensors occur), random bytes, header entries in an order that differs
   * from the data order, optional metadata, and the padding variants the reference accepts.
   */
  static byte[] randomSafetensors(SplittableRandom r) {
    DType[] dtypes = DType.values();
    int count = r.nextInt(7);
    List<String> names = new ArrayList<>();
    List<DType> types = new ArrayList<>();
    List<long[]> shapes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      names.add(NAME_PARTS[r.nextInt(NAME_PARTS.length)] + "." + i);
      types.add(dtypes[r.nextInt(dtypes.length)]);
      long[] shape = new long[r.nextInt(5)];
      for (int d = 0; d < shape.length; d++) shape[d] = r.nextInt(6);
      shapes.add(shape);
    }
    // data order is a shuffle of the header order
    List<Integer> dataOrder = new ArrayList<>();
    for (int i = 0; i < count; i++) dataOrder.add(i);
    Collections.shuffle(dataOrder, new java.util.Random(r.nextLong()));
    long[][] offsets = new long[count][];
    long cursor = 0;
    for (int i : dataOrder) {
      long bytes = types.get(i).byteSize();
      for (long d : shapes.get(i)) bytes *= d;
      offsets[i] = new long[] {cursor, cursor + bytes};
      cursor += bytes;
    }
    ObjectNode header = JSON.createObjectNode();
    boolean withMetadata = r.nextInt(3) == 0;
    int metadataAt = withMetadata ? r.nextInt(count + 1) : -1;
    for (int i = 0; i <= count; i++) {
      if (i == metadataAt) {
        ObjectNode meta = header.putObject("__metadata__");
        int n = r.nextInt(3);
        for (int k = 0; k < n; k++) meta.put("key" + k, NAME_PARTS[r.nextInt(NAME_PARTS.length)]);
      }
      if (i == count) break;
      ObjectNode e = header.putObject(names.get(i));
      e.put("dtype", types.get(i).safetensorsName());
      var shape = e.putArray("shape");
      for (long d : shapes.get(i)) shape.add(d);
      e.putArray("data_offsets").add(offsets[i][0]).add(offsets[i][1]);
    }
    byte[] data = new byte[(int) cursor];
    r.nextBytes(data);
    return assemble(json(header), padding(r), data);
  }

  /** The header text with the whitespace padding variants the reference accepts. */
  private static String[] padding(SplittableRandom r) {
    String before = r.nextInt(8) == 0 ? " \n" : "";
    String after = " ".repeat(r.nextInt(8)) + (r.nextInt(8) == 0 ? "\n\t" : "");
    return new String[] {before, after};
  }

  static byte[] assemble(String json, String[] padding, byte[] data) {
    byte[] header = (padding[0] + json + padding[1]).getBytes(StandardCharsets.UTF_8);
    return assemble(header, header.length, data);
  }

  /** length prefix (which may lie) + header bytes + data. */
  static byte[] assemble(byte[] header, long declaredLength, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8 + header.length + data.length);
    out.writeBytes(
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(declaredLength).array());
    out.writeBytes(header);
    out.writeBytes(data);
    return out.toByteArray();
  }

  static String json(Object node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every file under {@code dir} whose name ends with one of {@code extensions}. */
  static List<byte[]> fromFolder(Path dir, String... extensions) {
    List<byte[]> out = new ArrayList<>();
    if (dir == null || !Files.isDirectory(dir)) return out;
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        for (String ext : extensions) {
          if (Files.isRegularFile(f) && name.endsWith(ext) && Files.size(f) <= (1 << 20)) {
            out.add(Files.readAllBytes(f));
            break;
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
