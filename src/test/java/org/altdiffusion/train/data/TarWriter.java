package org.altdiffusion.train.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes ustar archives for the tests (names up to 100 bytes, a GNU long-name entry, or a pax path
 * for names "pax:NAME").
 */
final class TarWriter {
  private final Map<String, byte[]> members = new LinkedHashMap<>();

  TarWriter add(String name, byte[] data) {
    members.put(name, data);
    return this;
  }

  TarWriter add(String name, String text) {
    return add(name, text.getBytes(StandardCharsets.UTF_8));
  }

  byte[] bytes() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (var e : members.entrySet()) {
      byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
      if (e.getKey().startsWith("pax:")) {
        String real = e.getKey().substring(4);
        String record = " path=" + real + "\n";
        int bytes =
            record.getBytes(StandardCharsets.UTF_8)
                .length; // the length counts bytes, the digits included
        int len = bytes + 1;
        while (Integer.toString(len).length() + bytes != len) len++;
        byte[] pax = (len + record).getBytes(StandardCharsets.UTF_8);
        out.write(header("PaxHeader", pax.length, (byte) 'x'));
        pad(out, pax);
        out.write(header("truncated-name", e.getValue().length, (byte) '0'));
        pad(out, e.getValue());
        continue;
      }
      if (name.length > 100) {
        out.write(header("././@LongLink", name.length + 1, (byte) 'L'));
        pad(out, concat(name, new byte[] {0}));
      }
      out.write(header(e.getKey(), e.getValue().length, (byte) '0'));
      pad(out, e.getValue());
    }
    out.write(new byte[1024]);
    return out.toByteArray();
  }

  Path write(Path file) throws IOException {
    Files.write(file, bytes());
    return file;
  }

  /** The header offset of member {@code index} in {@link #bytes()} (no long names). */
  static int headerOffset(byte[] tar, int index) {
    int pos = 0;
    for (int i = 0; i < index; i++) {
      long size = TarIndex.number(tar, pos + 124, 12);
      pos += 512 + (int) ((size + 511) / 512 * 512);
    }
    return pos;
  }

  private static byte[] header(String name, long size, byte type) {
    byte[] h = new byte[512];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
    put(h, 100, String.format("%07o", 0644));
    put(h, 108, String.format("%07o", 0));
    put(h, 116, String.format("%07o", 0));
    put(h, 124, String.format("%011o", size));
    put(h, 136, String.format("%011o", 0));
    h[156] = type;
    put(h, 257, "ustar");
    put(h, 263, "00");
    for (int i = 148; i < 156; i++) h[i] = ' ';
    long sum = 0;
    for (byte b : h) sum += b & 0xFF;
    put(h, 148, String.format("%06o", sum));
    h[154] = 0;
    h[155] = ' ';
    return h;
  }

  private static void put(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, b.length);
  }

  private static void pad(ByteArrayOutputStream out, byte[] data) throws IOException {
    out.write(data);
    int rest = (512 - data.length % 512) % 512;
    out.write(new byte[rest]);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = new byte[a.length + b.length];
    System.arraycopy(a, 0, c, 0, a.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
