package org.altdiffusion.train.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The members of a tar archive (POSIX ustar, GNU long names, pax extended headers), found by
 * walking the 512-byte headers without reading file contents. A damaged archive is read up to the
 * damage: the members before it are kept and {@link #problem()} says what was wrong where (a bad
 * header checksum, a member cut short by the end of the file); nothing after it can be trusted,
 * since a tar has no index to find the next header.
 */
public final class TarIndex {
  /** A regular file in the archive: its name and where its bytes lie. */
  public record Member(String name, long offset, long size) {}

  private static final int BLOCK = 512;
  private final Path file;
  private final List<Member> members;
  private final String problem;

  private TarIndex(Path file, List<Member> members, String problem) {
    this.file = file;
    this.members = List.copyOf(members);
    this.problem = problem;
  }

  public Path file() {
    return file;
  }

  public List<Member> members() {
    return members;
  }

  /** What stopped the walk early, or null when the archive was read to its end. */
  public String problem() {
    return problem;
  }

  /**
   * Walks {@code file}; an unreadable file throws, a damaged one returns what precedes the damage.
   */
  public static TarIndex read(Path file) throws IOException {
    List<Member> out = new ArrayList<>();
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long length = in.length();
      long pos = 0;
      byte[] header = new byte[BLOCK];
      String longName = null;
      String paxPath = null;
      long paxSize = -1;
      while (true) {
        if (pos + BLOCK > length) {
          return new TarIndex(
              file,
              out,
              pos == length && !out.isEmpty()
                  ? null
                  : "archive ends inside a header at byte "
                      + pos
                      + (out.isEmpty() ? " (not a tar file?)" : ""));
        }
        in.seek(pos);
        in.readFully(header);
        if (isZero(header)) return new TarIndex(file, out, null); // end-of-archive marker
        if (!checksumOk(header)) {
          return new TarIndex(
              file,
              out,
              "bad header checksum at byte " + pos + (out.isEmpty() ? " (not a tar file?)" : ""));
        }
        long size = paxSize >= 0 ? paxSize : number(header, 124, 12);
        if (size < 0) return new TarIndex(file, out, "unreadable member size at byte " + pos);
        byte type = header[156];
        long data = pos + BLOCK;
        if (data + size > length) {
          return new TarIndex(
              file,
              out,
              "member '"
                  + name(header, longName, paxPath)
                  + "' cut short: needs "
                  + size
                  + " bytes at "
                  + data
                  + ", the file has "
                  + (length - data));
        }
        long next = data + (size + BLOCK - 1) / BLOCK * BLOCK;
        switch (type) {
          case 'L' -> longName = cString(readBytes(in, data, size));
          case 'x' -> {
            String[] pax = pax(readBytes(in, data, size));
            paxPath = pax[0];
            paxSize = pax[1] == null ? -1 : Long.parseLong(pax[1]);
          }
          case 'g', 'K' -> {
            // global pax header, GNU long link name: nothing we use
          }
          default -> {
            if (type == '0' || type == 0 || type == '7')
              out.add(new Member(name(header, longName, paxPath), data, size));
            longName = null;
            paxPath = null;
            paxSize = -1;
          }
        }
        pos = next;
      }
    } catch (NumberFormatException e) {
      throw new IOException(file + ": unreadable pax header: " + e.getMessage());
    } catch (EOFException e) {
      return new TarIndex(file, out, "unexpected end of file");
    }
  }

  /** The bytes of {@code member}. */
  public static byte[] read(Path file, Member member) throws IOException {
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      if (member.offset() + member.size() > in.length())
        throw new EOFException(file + " is shorter than it was when indexed");
      return readBytes(in, member.offset(), member.size());
    }
  }

  private static byte[] readBytes(RandomAccessFile in, long offset, long size) throws IOException {
    if (size > Integer.MAX_VALUE - 16)
      throw new IOException("member of " + size + " bytes is too large");
    byte[] b = new byte[(int) size];
    in.seek(offset);
    in.readFully(b);
    return b;
  }

  private static String name(byte[] h, String longName, String paxPath) {
    if (paxPath != null) return paxPath;
    if (longName != null) return longName;
    String name = cString(h, 0, 100);
    boolean ustar = new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    String prefix = ustar ? cString(h, 345, 155) : "";
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  /**
   * Octal (NUL/space terminated) or GNU base-256 (high bit of the first byte set); -1 if
   * unreadable.
   */
  static long number(byte[] h, int off, int len) {
    if ((h[off] & 0x80) != 0) {
      long v = h[off] & 0x7F;
      for (int i = 1; i < len; i++) v = (v << 8) | (h[off + i] & 0xFF);
      return v;
    }
    long v = 0;
    boolean any = false;
    for (int i = off; i < off + len; i++) {
      byte c = h[i];
      if (c == 0 || c == ' ') {
        if (any) break;
        continue;
      }
      if (c < '0' || c > '7') return -1;
      v = v * 8 + (c - '0');
      any = true;
    }
    return v;
  }

  private static boolean checksumOk(byte[] h) {
    long stored = number(h, 148, 8);
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      int b = i >= 148 && i < 156 ? ' ' : h[i];
      unsigned += b & 0xFF;
      signed += b;
    }
    return stored == unsigned || stored == signed;
  }

  private static boolean isZero(byte[] h) {
    for (byte b : h) if (b != 0) return false;
    return true;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) end++;
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static String cString(byte[] b) {
    return cString(b, 0, b.length);
  }

  /** path and size of a pax extended header ("LEN key=value\n" records). */
  private static String[] pax(byte[] b) {
    String path = null;
    String size = null;
    int i = 0;
    while (i < b.length) {
      int space = i;
      while (space < b.length && b[space] != ' ') space++;
      if (space >= b.length) break;
      int len = Integer.parseInt(new String(b, i, space - i, StandardCharsets.US_ASCII));
      if (len <= 0 || i + len > b.length) break;
      String record = new String(b, space + 1, i + len - space - 2, StandardCharsets.UTF_8);
      int eq = record.indexOf('=');
      if (eq > 0) {
        String key = record.substring(0, eq);
        if (key.equals("path")) path = record.substring(eq + 1);
        if (key.equals("size")) size = record.substring(eq + 1);
      }
      i += len;
    }
    return new String[] {path, size};
  }
}
