package org.altdiffusion.io.pytorch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * Fuzzing support: turns the bytes of a valid PyTorch zip checkpoint into a damaged variant, for
 * checking that {@link TorchCheckpoint} answers every input with either success or a {@link
 * org.altdiffusion.io.CheckpointException}. Mutations target what the reader interprets: the pickle
 * (opcodes, lengths, integers; with its CRC-32 fixed up so the unpickler sees it), the zip
 * structures (local headers, central directory, end records) and the file length. Deterministic for
 * a given input and {@link Random} state.
 */
public final class TorchCheckpointMutator {
  private TorchCheckpointMutator() {}

  /** Interesting byte values for length and count fields. */
  private static final int[] INTERESTING = {0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE, 0x40, 0x3F};

  /** Opcodes worth injecting: every opcode the unpickler knows, plus a few it refuses. */
  private static final byte[] OPCODES =
      "(.012NKMJXUTBCtl}d]aesuqrhjcRQbGP".getBytes(StandardCharsets.ISO_8859_1);

  /** Where the interesting parts of a zip lie, found leniently in a valid archive. */
  private record Layout(
      int pickleStart, int pickleLength, int pickleCrcAt, List<int[]> headers, int centralStart) {}

  /**
   * One mutant of {@code valid} (the input is not modified). If the bytes are not a zip with a
   * data.pkl entry, falls back to plain bit flips and truncation.
   */
  public static byte[] mutate(byte[] valid, Random random) {
    Layout layout = layout(valid);
    byte[] out = valid.clone();
    if (layout == null) return flipBits(out, 0, out.length, 1 + random.nextInt(8), random);
    int kind = random.nextInt(100);
    if (kind < 45) {
      mutatePickle(out, layout, random);
      fixCrc(out, layout);
    } else if (kind < 52) {
      mutatePickle(out, layout, random); // CRC left stale: must be caught by the checksum
    } else if (kind < 80) {
      int[] region = layout.headers().get(random.nextInt(layout.headers().size()));
      if (random.nextBoolean()) {
        flipBits(out, region[0], region[1], 1 + random.nextInt(4), random);
      } else {
        out[region[0] + random.nextInt(region[1] - region[0])] =
            (byte) INTERESTING[random.nextInt(INTERESTING.length)];
      }
    } else if (kind < 92) {
      int cut =
          random.nextBoolean()
              ? random.nextInt(out.length)
              : layout.centralStart() + random.nextInt(out.length - layout.centralStart());
      out = Arrays.copyOf(out, cut);
    } else {
      flipBits(
          out, 0, out.length, 1 + random.nextInt(16), random); // anywhere, storage bytes included
    }
    return out;
  }

  private static void mutatePickle(byte[] out, Layout l, Random random) {
    int start = l.pickleStart();
    int n = l.pickleLength();
    if (n == 0) return;
    int rounds = 1 + random.nextInt(3);
    for (int r = 0; r < rounds; r++) {
      int at = start + random.nextInt(n);
      switch (random.nextInt(5)) {
        case 0 -> flipBits(out, start, start + n, 1, random);
        case 1 -> out[at] = OPCODES[random.nextInt(OPCODES.length)];
        case 2 -> out[at] = (byte) INTERESTING[random.nextInt(INTERESTING.length)];
        case 3 -> out[at] = (byte) random.nextInt(256);
        default -> { // copy a chunk of the pickle over another place: plausible opcode sequences
          // out of context
          int len = 1 + random.nextInt(Math.min(16, n));
          int from = start + random.nextInt(n - len + 1);
          int to = start + random.nextInt(n - len + 1);
          System.arraycopy(out.clone(), from, out, to, len);
        }
      }
    }
  }

  private static byte[] flipBits(byte[] out, int from, int to, int count, Random random) {
    if (to <= from) return out;
    for (int i = 0; i < count; i++) {
      int at = from + random.nextInt(to - from);
      out[at] ^= (byte) (1 << random.nextInt(8));
    }
    return out;
  }

  private static void fixCrc(byte[] out, Layout l) {
    CRC32 crc = new CRC32();
    crc.update(out, l.pickleStart(), l.pickleLength());
    ByteBuffer.wrap(out)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(l.pickleCrcAt(), (int) crc.getValue());
  }

  private static Layout layout(byte[] b) {
    try {
      ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
      int eocd = -1;
      for (int i = b.length - 22; i >= Math.max(0, b.length - 22 - 65535); i--) {
        if (buf.getInt(i) == ZipArchive.END_OF_CENTRAL_DIRECTORY) {
          eocd = i;
          break;
        }
      }
      if (eocd < 0) return null;
      List<int[]> headers = new ArrayList<>();
      headers.add(new int[] {eocd, b.length});
      if (eocd >= 20 && buf.getInt(eocd - 20) == ZipArchive.ZIP64_LOCATOR) {
        int z64 = (int) buf.getLong(eocd - 12);
        headers.add(new int[] {z64, eocd});
      }
      int count = buf.getShort(eocd + 10) & 0xFFFF;
      int cd = buf.getInt(eocd + 16);
      if (cd == -1) cd = (int) buf.getLong(headers.get(1)[0] + 48);
      int p = cd;
      int pickleStart = -1;
      int pickleLength = 0;
      int pickleCrc = 0;
      for (int i = 0; i < count; i++) {
        int nameLength = buf.getShort(p + 28) & 0xFFFF;
        int extra = buf.getShort(p + 30) & 0xFFFF;
        int comment = buf.getShort(p + 32) & 0xFFFF;
        int end = p + 46 + nameLength + extra + comment;
        headers.add(new int[] {p, end});
        String name = new String(b, p + 46, nameLength, StandardCharsets.UTF_8);
        int local = buf.getInt(p + 42);
        int localEnd =
            local + 30 + (buf.getShort(local + 26) & 0xFFFF) + (buf.getShort(local + 28) & 0xFFFF);
        headers.add(new int[] {local, localEnd});
        if (name.endsWith("data.pkl")) {
          pickleStart = localEnd;
          pickleLength = buf.getInt(p + 24);
          pickleCrc = p + 16;
        }
        p = end;
      }
      if (pickleStart < 0) return null;
      return new Layout(pickleStart, pickleLength, pickleCrc, headers, cd);
    } catch (RuntimeException e) {
      return null; // not the valid zip we expected: the caller falls back to blind mutation
    }
  }
}
