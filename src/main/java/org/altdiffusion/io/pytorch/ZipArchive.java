package org.altdiffusion.io.pytorch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import org.altdiffusion.io.CheckpointException;

/**
 * The central directory of a zip file, read without java.util.zip so that we learn where each
 * entry's bytes start in the file: torch writes its storages STORED and 64-byte aligned, so they
 * can be memory-mapped in place. Handles zip64 (archives over 4 GiB). Every offset and size is
 * checked against the file length before anyone maps it: mapping past the end of a file would crash
 * the JVM on first access.
 */
final class ZipArchive {
  static final int LOCAL_HEADER = 0x04034b50;
  static final int CENTRAL_HEADER = 0x02014b50;
  static final int END_OF_CENTRAL_DIRECTORY = 0x06054b50;
  static final int ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
  static final int ZIP64_LOCATOR = 0x07064b50;

  /** Most entries we accept: a torch checkpoint has one per storage plus a handful. */
  static final int MAX_ENTRIES = 1_000_000;

  /** One entry; {@code dataOffset} is the absolute file position of its (stored) bytes. */
  record Entry(
      String name,
      int method,
      int flags,
      long crc,
      long compressedSize,
      long size,
      long dataOffset) {
    boolean stored() {
      return method == 0;
    }
  }

  private final Path file;
  private final FileChannel channel;
  private final long fileSize;
  private final Map<String, Entry> entries;

  ZipArchive(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
    try {
      this.fileSize = channel.size();
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read size: " + e.getMessage(), e);
    }
    this.entries = Collections.unmodifiableMap(readCentralDirectory());
  }

  Map<String, Entry> entries() {
    return entries;
  }

  long fileSize() {
    return fileSize;
  }

  /**
   * The bytes of a small entry (data.pkl, version, byteorder), checked against its CRC-32. Large
   * storages are never read this way; they are mapped.
   */
  byte[] readSmall(Entry e, long maxBytes) {
    requireStored(e);
    if (e.size() > maxBytes) {
      throw fail(
          "entry '" + e.name() + "' is " + e.size() + " bytes, over the limit of " + maxBytes);
    }
    ByteBuffer buf = read(e.dataOffset(), (int) e.size());
    byte[] bytes = buf.array();
    CRC32 crc = new CRC32();
    crc.update(bytes);
    if (crc.getValue() != e.crc()) {
      throw fail(
          "entry '"
              + e.name()
              + "' fails its CRC-32 check (stored "
              + Long.toHexString(e.crc())
              + ", computed "
              + Long.toHexString(crc.getValue())
              + "): the file is corrupt");
    }
    return bytes;
  }

  void requireStored(Entry e) {
    if ((e.flags() & 1) != 0) throw fail("entry '" + e.name() + "' is encrypted");
    if (!e.stored()) {
      throw fail(
          "entry '"
              + e.name()
              + "' is compressed (zip method "
              + e.method()
              + "); torch.save writes every entry uncompressed (method 0), which is what we read. "
              + "Was the archive repacked? Re-save it with torch.save");
    }
  }

  private Map<String, Entry> readCentralDirectory() {
    if (fileSize < 22)
      throw fail("file is " + fileSize + " bytes: too short for a zip archive (truncated?)");
    // The end record is 22 bytes plus a comment of up to 65535 bytes: scan backwards for it.
    int tailLength = (int) Math.min(fileSize, 22 + 65535);
    long tailStart = fileSize - tailLength;
    ByteBuffer tail = read(tailStart, tailLength);
    int eocd = -1;
    for (int i = tailLength - 22; i >= 0; i--) {
      if (tail.getInt(i) == END_OF_CENTRAL_DIRECTORY && i + 22 + u16(tail, i + 20) == tailLength) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      throw fail(
          "no zip end-of-central-directory record: the file is truncated or not a zip archive");
    }
    long count = u16(tail, eocd + 10);
    long cdSize = u32(tail, eocd + 12);
    long cdOffset = u32(tail, eocd + 16);
    long eocdPosition = tailStart + eocd;
    if (count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
      long[] z = readZip64End(eocdPosition);
      count = z[0];
      cdSize = z[1];
      cdOffset = z[2];
    }
    if (count > MAX_ENTRIES)
      throw fail("central directory claims " + count + " entries (limit " + MAX_ENTRIES + ")");
    if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize > eocdPosition) {
      throw fail(
          "central directory (offset "
              + cdOffset
              + ", "
              + cdSize
              + " bytes) lies outside the file: truncated?");
    }
    if (cdSize > Integer.MAX_VALUE - 8)
      throw fail("central directory of " + cdSize + " bytes is too large");
    ByteBuffer cd = read(cdOffset, (int) cdSize);
    Map<String, Entry> out = new LinkedHashMap<>();
    int p = 0;
    for (long i = 0; i < count; i++) {
      if (p + 46 > cd.limit() || cd.getInt(p) != CENTRAL_HEADER) {
        throw fail(
            "central directory entry "
                + i
                + " is malformed (at file offset "
                + (cdOffset + p)
                + ")");
      }
      int flags = u16(cd, p + 8);
      int method = u16(cd, p + 10);
      long crc = u32(cd, p + 16);
      long compressed = u32(cd, p + 20);
      long size = u32(cd, p + 24);
      int nameLength = u16(cd, p + 28);
      int extraLength = u16(cd, p + 30);
      int commentLength = u16(cd, p + 32);
      long localOffset = u32(cd, p + 42);
      int end = p + 46 + nameLength + extraLength + commentLength;
      if (end > cd.limit()) throw fail("central directory entry " + i + " runs past the directory");
      String name = new String(bytes(cd, p + 46, nameLength), StandardCharsets.UTF_8);
      // zip64 extra field: the 64-bit values present are those whose 32-bit field is saturated.
      int x = p + 46 + nameLength;
      int xEnd = x + extraLength;
      while (x + 4 <= xEnd) {
        int id = u16(cd, x);
        int len = u16(cd, x + 2);
        if (x + 4 + len > xEnd) throw fail("entry '" + name + "' has a malformed extra field");
        if (id == 0x0001) {
          int q = x + 4;
          int qEnd = q + len;
          if (size == 0xFFFFFFFFL) {
            size = u64(cd, q, qEnd, name);
            q += 8;
          }
          if (compressed == 0xFFFFFFFFL) {
            compressed = u64(cd, q, qEnd, name);
            q += 8;
          }
          if (localOffset == 0xFFFFFFFFL) {
            localOffset = u64(cd, q, qEnd, name);
            q += 8;
          }
        }
        x += 4 + len;
      }
      long dataOffset = dataOffset(name, localOffset, cdOffset);
      if (compressed < 0 || dataOffset + compressed > cdOffset) {
        throw fail(
            "entry '"
                + name
                + "' ("
                + compressed
                + " bytes at offset "
                + dataOffset
                + ") runs past the end of the data: the file is truncated or corrupt");
      }
      if (method == 0 && compressed != size) {
        throw fail(
            "stored entry '" + name + "' has compressed size " + compressed + " but size " + size);
      }
      if (out.put(name, new Entry(name, method, flags, crc, compressed, size, dataOffset))
          != null) {
        throw fail("zip entry '" + name + "' appears twice; refusing an ambiguous archive");
      }
      p = end;
    }
    return out;
  }

  /**
   * Reads the zip64 end record through its locator, which sits just before the classic end record.
   */
  private long[] readZip64End(long eocdPosition) {
    if (eocdPosition < 20)
      throw fail("zip64 archive without a zip64 end-of-central-directory locator");
    ByteBuffer loc = read(eocdPosition - 20, 20);
    if (loc.getInt(0) != ZIP64_LOCATOR)
      throw fail("zip64 archive without a zip64 end-of-central-directory locator");
    long recordOffset = loc.getLong(8);
    if (recordOffset < 0 || recordOffset + 56 > eocdPosition - 20) {
      throw fail(
          "zip64 end-of-central-directory record offset "
              + recordOffset
              + " lies outside the file");
    }
    ByteBuffer rec = read(recordOffset, 56);
    if (rec.getInt(0) != ZIP64_END_OF_CENTRAL_DIRECTORY)
      throw fail("zip64 end-of-central-directory record is malformed");
    long count = rec.getLong(32);
    long cdSize = rec.getLong(40);
    long cdOffset = rec.getLong(48);
    if (count < 0 || cdSize < 0 || cdOffset < 0 || cdOffset + cdSize > recordOffset) {
      throw fail(
          "zip64 end-of-central-directory record is inconsistent with the file size: truncated?");
    }
    return new long[] {count, cdSize, cdOffset};
  }

  /**
   * Entry data follows its local header, whose name and extra field lengths may differ from the
   * central ones.
   */
  private long dataOffset(String name, long localOffset, long limit) {
    if (localOffset < 0 || localOffset + 30 > limit) {
      throw fail(
          "entry '" + name + "' has local header offset " + localOffset + " outside the file");
    }
    ByteBuffer h = read(localOffset, 30);
    if (h.getInt(0) != LOCAL_HEADER)
      throw fail("entry '" + name + "' has no local header at offset " + localOffset);
    int nameLength = u16(h, 26);
    int extraLength = u16(h, 28);
    if (localOffset + 30 + nameLength > limit)
      throw fail("entry '" + name + "' local header runs past the data");
    String localName =
        new String(read(localOffset + 30, nameLength).array(), StandardCharsets.UTF_8);
    if (!localName.equals(name)) {
      throw fail(
          "entry '"
              + name
              + "' has local header name '"
              + localName
              + "'; refusing an inconsistent archive");
    }
    return localOffset + 30 + nameLength + extraLength;
  }

  ByteBuffer read(long position, int length) {
    if (position < 0 || length < 0 || position + length > fileSize) {
      throw fail(
          "read of "
              + length
              + " bytes at offset "
              + position
              + " runs past the end of the file ("
              + fileSize
              + " bytes)");
    }
    ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    try {
      while (buf.hasRemaining()) {
        int n = channel.read(buf, position + buf.position());
        if (n < 0) throw fail("unexpected end of file at offset " + (position + buf.position()));
      }
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
    return buf.flip();
  }

  private long u64(ByteBuffer b, int at, int end, String name) {
    if (at + 8 > end) throw fail("entry '" + name + "' has a truncated zip64 extra field");
    long v = b.getLong(at);
    if (v < 0) throw fail("entry '" + name + "' has a zip64 value over 2^63");
    return v;
  }

  private static int u16(ByteBuffer b, int at) {
    return b.getShort(at) & 0xFFFF;
  }

  private static long u32(ByteBuffer b, int at) {
    return b.getInt(at) & 0xFFFFFFFFL;
  }

  private static byte[] bytes(ByteBuffer b, int at, int length) {
    byte[] out = new byte[length];
    b.get(at, out);
    return out;
  }

  private CheckpointException fail(String problem) {
    return new CheckpointException(
        file, "not a valid PyTorch zip checkpoint: " + Py.printable(problem, 2000));
  }
}
