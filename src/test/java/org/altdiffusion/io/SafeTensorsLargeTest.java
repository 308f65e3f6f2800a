package org.altdiffusion.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.altdiffusion.engine.Torch;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tensor over 2 GiB (one Java buffer's limit) read and written with the default 1 GiB windows, at
 * a data offset that is not a multiple of the window. Slow and memory-hungry (2.1 GB native, 2 x
 * 2.1 GB of disk, the input sparse): run with {@code mvn test -Dtest=SafeTensorsLargeTest
 * -Dtest.excludedGroups=}.
 */
@Tag("slow")
class SafeTensorsLargeTest {
  static final long BIG = (1L << 31) + 24; // bytes of the U8 tensor

  @TempDir Path tmp;

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void tensorOverTwoGigabytesCrossesWindowsIntact() throws IOException {
    String header =
        "{\"head\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},"
            + "\"big\":{\"dtype\":\"U8\",\"shape\":["
            + BIG
            + "],\"data_offsets\":[3,"
            + (3 + BIG)
            + "]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    long dataStart = 8 + h.length;
    // marker bytes around every window edge and the 2 GiB mark; everything else is a sparse hole of
    // zeros
    long[] marks = {
      0, 1, (1L << 30) - 1, 1L << 30, (1L << 31) - 1, 1L << 31, (1L << 31) + 1, BIG - 1
    };
    Path f = tmp.resolve("big.safetensors");
    try (FileChannel ch =
        FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).flip());
      ch.write(ByteBuffer.wrap(h));
      ch.write(ByteBuffer.wrap(new byte[] {7, 8, 9}));
      for (int i = 0; i < marks.length; i++)
        ch.write(ByteBuffer.wrap(new byte[] {(byte) (i + 1)}), dataStart + 3 + marks[i]);
    }
    assertEquals(dataStart + 3 + BIG, Files.size(f));
    Path copy = tmp.resolve("copy.safetensors");
    try (PointerScope scope = new PointerScope();
        SafeTensors.Reader r = SafeTensors.open(f)) {
      Tensor big = r.loadRaw("big");
      assertEquals(BIG, big.numel());
      BytePointer p = new BytePointer(big.data_ptr()).capacity(BIG);
      for (int i = 0; i < marks.length; i++)
        assertEquals(i + 1, p.get(marks[i]), "byte at " + marks[i]);
      assertEquals(0, p.get(2), "hole");
      assertEquals(0, p.get((1L << 31) + 2), "hole past 2 GiB");
      assertEquals(marks.length, countNonZero(big), "nothing else written");
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      tensors.put("head", r.loadRaw("head"));
      tensors.put("big", big);
      SafeTensors.write(copy, tensors, null);
    }
    try (PointerScope scope = new PointerScope();
        SafeTensors.Reader r = SafeTensors.open(copy)) {
      BytePointer p = new BytePointer(r.loadRaw("big").data_ptr()).capacity(BIG);
      for (int i = 0; i < marks.length; i++)
        assertEquals(i + 1, p.get(marks[i]), "written byte at " + marks[i]);
      assertEquals(3 + BIG, Files.size(copy) - 8 - r.headerLength());
    }
  }

  private static long countNonZero(Tensor t) {
    return t.count_nonzero().item_long();
  }
}
