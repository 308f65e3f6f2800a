package org.altdiffusion.io.png;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.Inflater;

/**
 * Text chunks of PNG files, as AUTOMATIC1111 writes its {@code parameters}: {@code tEXt} when the
 * value is Latin-1, {@code iTXt} (UTF-8) otherwise, right after IHDR (before the image data).
 * Reading accepts tEXt, iTXt (compressed or not) and zTXt, before or after the image data, with
 * limits so that a hostile file cannot exhaust memory.
 */
public final class PngText {
  static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  /** Largest decompressed text we accept from one chunk. */
  public static final int MAX_TEXT_BYTES = 8 << 20;

  private PngText() {}

  /** All text chunks of {@code png} (keyword -> text), in file order; later duplicates win. */
  public static Map<String, String> read(byte[] png) {
    if (png.length < 8 || !startsWithSignature(png))
      throw new PngFormatException("not a PNG file (bad signature)");
    Map<String, String> out = new LinkedHashMap<>();
    ByteBuffer b = ByteBuffer.wrap(png);
    b.position(8);
    while (b.remaining() >= 12) {
      long length = Integer.toUnsignedLong(b.getInt());
      byte[] typeBytes = new byte[4];
      b.get(typeBytes);
      String type = new String(typeBytes, StandardCharsets.ISO_8859_1);
      if (length > b.remaining() - 4)
        throw new PngFormatException(
            "chunk " + type + " runs past the end of the file (truncated?)");
      byte[] data = new byte[(int) length];
      b.get(data);
      int crc = b.getInt();
      CRC32 c = new CRC32();
      c.update(typeBytes);
      c.update(data);
      if ((int) c.getValue() != crc)
        throw new PngFormatException("chunk " + type + " has a bad CRC (corrupt file)");
      switch (type) {
        case "tEXt" -> parseText(data, out);
        case "zTXt" -> parseCompressedText(data, out);
        case "iTXt" -> parseInternationalText(data, out);
        case "IEND" -> {
          return out;
        }
        default -> {}
      }
    }
    throw new PngFormatException("no IEND chunk (truncated file)");
  }

  /**
   * Returns {@code png} with a text chunk {@code keyword}={@code text} inserted right after IHDR,
   * before the image data, where AUTOMATIC1111 (PIL) writes its {@code parameters}: readers that
   * stop at the first IDAT (PIL's {@code Image.open().info} before the pixels are loaded) see it.
   */
  public static byte[] withText(byte[] png, String keyword, String text) {
    if (png.length < 20 || !startsWithSignature(png))
      throw new PngFormatException("not a PNG file (bad signature)");
    checkKeyword(keyword);
    boolean latin1 =
        StandardCharsets.ISO_8859_1.newEncoder().canEncode(text) && text.indexOf('\0') < 0;
    byte[] chunk = latin1 ? textChunk(keyword, text) : internationalChunk(keyword, text);
    int at = afterHeader(png);
    ByteArrayOutputStream out = new ByteArrayOutputStream(png.length + chunk.length);
    out.write(png, 0, at);
    out.write(chunk, 0, chunk.length);
    out.write(png, at, png.length - at);
    return out.toByteArray();
  }

  /** The chunk types of {@code png} in file order, up to and including IEND. */
  public static java.util.List<String> chunkTypes(byte[] png) {
    if (png.length < 8 || !startsWithSignature(png))
      throw new PngFormatException("not a PNG file (bad signature)");
    java.util.List<String> types = new java.util.ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(png);
    int pos = 8;
    while (pos + 12 <= png.length) {
      long length = Integer.toUnsignedLong(b.getInt(pos));
      String type = new String(png, pos + 4, 4, StandardCharsets.ISO_8859_1);
      if (length > png.length - pos - 12)
        throw new PngFormatException(
            "chunk " + type + " runs past the end of the file (truncated?)");
      types.add(type);
      if (type.equals("IEND")) return types;
      pos += 12 + (int) length;
    }
    throw new PngFormatException("no IEND chunk (truncated file)");
  }

  private static boolean startsWithSignature(byte[] png) {
    for (int i = 0; i < 8; i++) if (png[i] != SIGNATURE[i]) return false;
    return true;
  }

  /** Offset just past the IHDR chunk, which the PNG format puts first. */
  private static int afterHeader(byte[] png) {
    String type = new String(png, 12, 4, StandardCharsets.ISO_8859_1);
    if (!type.equals("IHDR"))
      throw new PngFormatException("the first chunk is " + type + ", not IHDR (corrupt file)");
    long length = Integer.toUnsignedLong(ByteBuffer.wrap(png).getInt(8));
    if (length > png.length - 20L)
      throw new PngFormatException("chunk IHDR runs past the end of the file (truncated?)");
    return 8 + 12 + (int) length;
  }

  private static void checkKeyword(String keyword) {
    if (keyword.isEmpty()
        || keyword.length() > 79
        || !StandardCharsets.ISO_8859_1.newEncoder().canEncode(keyword)) {
      throw new IllegalArgumentException(
          "PNG text keyword must be 1-79 Latin-1 characters: '" + keyword + "'");
    }
  }

  private static byte[] textChunk(String keyword, String text) {
    ByteArrayOutputStream d = new ByteArrayOutputStream();
    d.writeBytes(keyword.getBytes(StandardCharsets.ISO_8859_1));
    d.write(0);
    d.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
    return chunk("tEXt", d.toByteArray());
  }

  private static byte[] internationalChunk(String keyword, String text) {
    ByteArrayOutputStream d = new ByteArrayOutputStream();
    d.writeBytes(keyword.getBytes(StandardCharsets.ISO_8859_1));
    d.write(0); // keyword end
    d.write(0); // not compressed
    d.write(0); // compression method
    d.write(0); // empty language tag
    d.write(0); // empty translated keyword
    d.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    return chunk("iTXt", d.toByteArray());
  }

  private static byte[] chunk(String type, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(12 + data.length);
    byte[] typeBytes = type.getBytes(StandardCharsets.ISO_8859_1);
    b.putInt(data.length).put(typeBytes).put(data);
    CRC32 c = new CRC32();
    c.update(typeBytes);
    c.update(data);
    b.putInt((int) c.getValue());
    return b.array();
  }

  private static void parseText(byte[] data, Map<String, String> out) {
    int zero = indexOfZero(data, 0);
    if (zero < 0) throw new PngFormatException("tEXt chunk without keyword terminator");
    out.put(latin1(data, 0, zero), latin1(data, zero + 1, data.length));
  }

  private static void parseCompressedText(byte[] data, Map<String, String> out) {
    int zero = indexOfZero(data, 0);
    if (zero < 0 || zero + 2 > data.length) throw new PngFormatException("malformed zTXt chunk");
    byte[] text = inflate(data, zero + 2);
    out.put(latin1(data, 0, zero), new String(text, StandardCharsets.ISO_8859_1));
  }

  private static void parseInternationalText(byte[] data, Map<String, String> out) {
    int zero = indexOfZero(data, 0);
    if (zero < 0 || zero + 3 > data.length) throw new PngFormatException("malformed iTXt chunk");
    boolean compressed = data[zero + 1] != 0;
    int langEnd = indexOfZero(data, zero + 3);
    if (langEnd < 0) throw new PngFormatException("malformed iTXt chunk (language tag)");
    int translatedEnd = indexOfZero(data, langEnd + 1);
    if (translatedEnd < 0)
      throw new PngFormatException("malformed iTXt chunk (translated keyword)");
    int start = translatedEnd + 1;
    byte[] text =
        compressed ? inflate(data, start) : java.util.Arrays.copyOfRange(data, start, data.length);
    out.put(latin1(data, 0, zero), new String(text, StandardCharsets.UTF_8));
  }

  private static byte[] inflate(byte[] data, int offset) {
    Inflater inf = new Inflater();
    inf.setInput(data, offset, data.length - offset);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      while (!inf.finished()) {
        int n = inf.inflate(buf);
        if (n == 0 && (inf.needsInput() || inf.needsDictionary()))
          throw new PngFormatException("truncated compressed text");
        out.write(buf, 0, n);
        if (out.size() > MAX_TEXT_BYTES)
          throw new PngFormatException(
              "compressed text is larger than " + MAX_TEXT_BYTES + " bytes");
      }
    } catch (DataFormatException e) {
      throw new PngFormatException("corrupt compressed text: " + e.getMessage());
    } finally {
      inf.end();
    }
    return out.toByteArray();
  }

  private static int indexOfZero(byte[] data, int from) {
    for (int i = from; i < data.length; i++) if (data[i] == 0) return i;
    return -1;
  }

  private static String latin1(byte[] data, int from, int to) {
    return new String(data, from, to - from, StandardCharsets.ISO_8859_1);
  }

  /** Used by tests: a zTXt chunk as some writers produce it. */
  static byte[] compressedTextChunk(String keyword, String text) {
    ByteArrayOutputStream d = new ByteArrayOutputStream();
    d.writeBytes(keyword.getBytes(StandardCharsets.ISO_8859_1));
    d.write(0);
    d.write(0);
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    try (DeflaterOutputStream dos = new DeflaterOutputStream(z, new Deflater())) {
      dos.write(text.getBytes(StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    d.writeBytes(z.toByteArray());
    return chunk("zTXt", d.toByteArray());
  }
}
