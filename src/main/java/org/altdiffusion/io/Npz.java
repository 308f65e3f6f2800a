package org.altdiffusion.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * NumPy's {@code .npz} archives (a zip of {@code .npy} files, stored or deflated), as {@code
 * np.savez} / {@code np.savez_compressed} write them and {@code np.load} reads them: pytorch-fid's
 * cached statistics ({@code mu}, {@code sigma}) among others. Reads little-endian float64, float32,
 * int64, int32, uint8, bool and unicode-string arrays (numbers in C or Fortran order); writes
 * float64 arrays, deflated.
 */
public final class Npz {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

  private Npz() {}

  /** One array: its shape, and its values as doubles (numbers) or strings (unicode arrays). */
  public record Array(long[] shape, double[] values, String[] strings) {
    /** A float64 array of {@code shape} (the values in C order). */
    public static Array of(double[] values, long... shape) {
      if (values.length != size(shape)) {
        throw new IllegalArgumentException(
            values.length + " values do not fill shape " + Arrays.toString(shape));
      }
      return new Array(shape.clone(), values.clone(), null);
    }

    /** The one value of a 0-d or 1-element array. */
    public double scalar() {
      if (values == null || values.length != 1) {
        throw new IllegalStateException("not a single number: shape " + Arrays.toString(shape));
      }
      return values[0];
    }
  }

  /** Every array of {@code file} by name (without {@code .npy}), in archive order. */
  public static Map<String, Array> read(Path file) {
    Map<String, Array> out = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        if (!e.getName().endsWith(".npy")) {
          throw new CheckpointException(
              file, "entry '" + e.getName() + "' is not a .npy array: not a NumPy .npz archive");
        }
        String name = e.getName().substring(0, e.getName().length() - 4);
        try (InputStream in = zip.getInputStream(e)) {
          out.put(name, readNpy(file, name, in.readAllBytes()));
        }
      }
    } catch (ZipException e) {
      throw new CheckpointException(file, "not a NumPy .npz archive (no zip): " + e.getMessage());
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot be read: " + e.getMessage(), e);
    }
    return out;
  }

  /** Writes {@code arrays} (float64) as {@code np.savez_compressed} does. */
  public static void write(Path file, Map<String, Array> arrays) {
    try (OutputStream os = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(os)) {
      zip.setMethod(ZipOutputStream.DEFLATED);
      for (var e : arrays.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
        zip.write(npy(e.getValue()));
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot be written: " + e.getMessage(), e);
    }
  }

  private static Array readNpy(Path file, String name, byte[] bytes) {
    String where = "array '" + name + "'";
    if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
      throw new CheckpointException(file, where + " has no .npy magic bytes");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int major = bytes[6];
    int headerLength = major == 1 ? Short.toUnsignedInt(buf.getShort(8)) : buf.getInt(8);
    int start = major == 1 ? 10 : 12;
    if (major < 1 || major > 3 || start + headerLength > bytes.length) {
      throw new CheckpointException(file, where + ": unsupported .npy version " + major);
    }
    String header =
        new String(
            bytes,
            start,
            headerLength,
            major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    String descr = match(file, where, DESCR, header);
    boolean fortran = match(file, where, FORTRAN, header).equals("True");
    long[] shape = parseShape(match(file, where, SHAPE, header));
    buf.position(start + headerLength);
    Array a = decode(file, where, descr, shape, buf.slice().order(ByteOrder.LITTLE_ENDIAN));
    return fortran && a.values() != null ? new Array(shape, toCOrder(a.values(), shape), null) : a;
  }

  /** Values stored column-major (first index fastest) in row-major order. */
  private static double[] toCOrder(double[] columnMajor, long[] shape) {
    double[] out = new double[columnMajor.length];
    int[] index = new int[shape.length];
    for (int i = 0; i < out.length; i++) {
      int at = 0; // column-major offset of row-major position i
      int stride = 1;
      for (int d = 0; d < shape.length; d++) {
        at += index[d] * stride;
        stride *= (int) shape[d];
      }
      out[i] = columnMajor[at];
      for (int d = shape.length - 1; d >= 0; d--) { // the next row-major index
        if (++index[d] < shape[d]) break;
        index[d] = 0;
      }
    }
    return out;
  }

  private static Array decode(
      Path file, String where, String descr, long[] shape, ByteBuffer data) {
    int n = Math.toIntExact(size(shape));
    if (descr.startsWith("<U")) {
      int chars = Integer.parseInt(descr.substring(2));
      String[] strings = new String[n];
      for (int i = 0; i < n; i++) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < chars; c++) {
          int cp = data.getInt();
          if (cp != 0) sb.appendCodePoint(cp);
        }
        strings[i] = sb.toString();
      }
      return new Array(shape, null, strings);
    }
    int width =
        switch (descr) {
          case "<f8", "<i8" -> 8;
          case "<f4", "<i4" -> 4;
          case "|b1", "|u1" -> 1;
          default ->
              throw new CheckpointException(
                  file,
                  where
                      + " has dtype '"
                      + descr
                      + "'; read are <f8, <f4, <i8, <i4, |b1 and <U strings");
        };
    if (data.remaining() < (long) n * width) {
      throw new CheckpointException(file, where + " is truncated");
    }
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] =
          switch (descr) {
            case "<f8" -> data.getDouble();
            case "<i8" -> data.getLong();
            case "<f4" -> data.getFloat();
            case "<i4" -> data.getInt();
            case "|u1" -> data.get() & 255;
            default -> data.get();
          };
    }
    return new Array(shape, values, null);
  }

  private static String match(Path file, String where, Pattern p, String header) {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new CheckpointException(
          file, where + ": .npy header without " + p.pattern() + ": " + header);
    }
    return m.group(1);
  }

  private static long[] parseShape(String text) {
    return Arrays.stream(text.split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .mapToLong(Long::parseLong)
        .toArray();
  }

  private static long size(long[] shape) {
    long n = 1;
    for (long s : shape) n *= s;
    return n;
  }

  /** One array as a version 1.0 .npy file: float64, C order, header padded to 64 bytes. */
  private static byte[] npy(Array a) {
    if (a.values() == null) throw new IllegalArgumentException("only numeric arrays are written");
    StringBuilder shape = new StringBuilder();
    for (long s : a.shape()) shape.append(s).append(", ");
    String dims =
        a.shape().length == 1 ? shape.toString().trim() : shape.toString().replaceAll(", $", "");
    String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + dims + "), }";
    int unpadded = 10 + dict.length() + 1;
    int padded = (unpadded + 63) / 64 * 64;
    String header = dict + " ".repeat(padded - unpadded) + "\n";
    ByteBuffer buf = ByteBuffer.allocate(10 + header.length() + 8 * a.values().length);
    buf.order(ByteOrder.LITTLE_ENDIAN).put(MAGIC).put((byte) 1).put((byte) 0);
    buf.putShort((short) header.length()).put(header.getBytes(StandardCharsets.ISO_8859_1));
    for (double v : a.values()) buf.putDouble(v);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(buf.array());
    return out.toByteArray();
  }
}
