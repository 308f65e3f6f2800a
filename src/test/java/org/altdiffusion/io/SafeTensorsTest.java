package org.altdiffusion.io;

import static org.altdiffusion.io.CheckpointFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading files written by the reference library, bit for bit; writing files it can read. */
class SafeTensorsTest {
  /**
   * Where the round-trip test leaves its file for
   * tools/reference/check_safetensors_written_by_java.py.
   */
  static final Path WRITTEN_BY_JAVA =
      Path.of("target/safetensors-written-by-java/all_dtypes.safetensors");

  @TempDir Path tmp;

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void readsEveryDtypeBitIdenticalToTheReference() {
    JsonNode expected = json("all_dtypes.json");
    try (PointerScope scope = new PointerScope();
        SafeTensors.Reader r = SafeTensors.open(ALL_DTYPES)) {
      assertEquals(
          names(expected.get("tensors")), new ArrayList<>(r.keys()).stream().sorted().toList());
      assertEquals("altdiffusion fixture ✓ 日本語", r.metadata().get("purpose"));
      assertEquals(expected.get("metadata").size(), r.metadata().size());
      assertEquals(0, r.headerLength() % 8, "the reference pads the header to 8 bytes");
      for (Iterator<Map.Entry<String, JsonNode>> it = expected.get("tensors").fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String key = e.getKey();
        JsonNode want = e.getValue();
        assertEquals(want.get("dtype").asText(), r.dtype(key), key);
        assertArrayEquals(longs(want.get("shape")), r.shape(key), key);
        Tensor raw = r.loadRaw(key);
        assertArrayEquals(longs(want.get("shape")), raw.sizes().vec().get(), key);
        assertEquals(
            want.get("raw_hex").asText(), hex(bytes(raw)), key + ": loadRaw must be bit-identical");
        Tensor wide = r.load(key);
        assertEquals(
            want.get("widened_dtype").asText(),
            DType.of(wide.scalar_type()).safetensorsName(),
            key);
        assertEquals(
            want.get("widened_hex").asText(),
            hex(bytes(wide)),
            key + ": load must widen as torch does");
      }
    }
  }

  @Test
  void tinyReadWindowsGiveTheSameBytes() {
    // a tensor bigger than the window is read in several calls: windows of 1, 3 and 7 bytes
    // split every multi-byte element across windows
    JsonNode expected = json("all_dtypes.json").get("tensors");
    for (int window : new int[] {1, 3, 7, 64}) {
      try (PointerScope scope = new PointerScope();
          SafeTensors.Reader r = SafeTensors.open(ALL_DTYPES, window)) {
        for (String key : r.keys()) {
          assertEquals(
              expected.get(key).get("raw_hex").asText(),
              hex(bytes(r.loadRaw(key))),
              key + " window " + window);
        }
      }
    }
  }

  @Test
  void javaWriteThenReadIsBitIdenticalForEveryDtype() throws IOException {
    Path out = tmp.resolve("round.safetensors");
    try (PointerScope scope = new PointerScope();
        SafeTensors.Reader ref = SafeTensors.open(ALL_DTYPES)) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (String key : ref.keys()) tensors.put(key, ref.loadRaw(key));
      SafeTensors.write(out, tensors, ref.metadata());
      Files.createDirectories(WRITTEN_BY_JAVA.getParent());
      Files.copy(out, WRITTEN_BY_JAVA, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      try (SafeTensors.Reader back = SafeTensors.open(out)) {
        assertEquals(new ArrayList<>(ref.keys()), new ArrayList<>(back.keys()), "order kept");
        assertEquals(ref.metadata(), back.metadata());
        assertEquals(0, back.headerLength() % 8);
        for (String key : ref.keys()) {
          assertEquals(ref.dtype(key), back.dtype(key), key);
          assertArrayEquals(ref.shape(key), back.shape(key), key);
          assertArrayEquals(bytes(tensors.get(key)), bytes(back.loadRaw(key)), key);
        }
      }
    }
    assertFalse(Files.exists(tmp.resolve("round.safetensors.tmp")), "no temporary left behind");
  }

  @Test
  void tinyWriteWindowsGiveTheSameFile() throws IOException {
    try (PointerScope scope = new PointerScope();
        SafeTensors.Reader ref = SafeTensors.open(ALL_DTYPES)) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (String key : ref.keys()) tensors.put(key, ref.loadRaw(key));
      SafeTensors.write(tmp.resolve("big.safetensors"), tensors, ref.metadata());
      SafeTensors.write(tmp.resolve("small.safetensors"), tensors, ref.metadata(), 3);
      assertArrayEquals(
          Files.readAllBytes(tmp.resolve("big.safetensors")),
          Files.readAllBytes(tmp.resolve("small.safetensors")));
    }
  }

  @Test
  void writesNonContiguousTensorsInLogicalOrder() {
    try (PointerScope scope = new PointerScope()) {
      Tensor t =
          org.altdiffusion.engine.Tensors.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)
              .t(); // [3, 2]
      Path out = tmp.resolve("t.safetensors");
      SafeTensors.write(out, Map.of("t", t), null);
      try (SafeTensors.Reader r = SafeTensors.open(out)) {
        assertArrayEquals(new long[] {3, 2}, r.shape("t"));
        assertArrayEquals(
            new float[] {1, 4, 2, 5, 3, 6}, org.altdiffusion.engine.Tensors.toFloats(r.load("t")));
        assertTrue(r.metadata().isEmpty());
      }
    }
  }

  @Test
  void writerRefusesNamesTheFormatCannotHold() {
    try (PointerScope scope = new PointerScope()) {
      Tensor t = org.altdiffusion.engine.Tensors.fromFloats(new float[] {1}, 1);
      assertThrows(
          IllegalArgumentException.class,
          () -> SafeTensors.write(tmp.resolve("a"), Map.of("__metadata__", t), null));
      assertThrows(
          IllegalArgumentException.class,
          () -> SafeTensors.write(tmp.resolve("b"), Map.of("x\ud800", t), null));
      assertFalse(Files.exists(tmp.resolve("a")));
    }
  }

  @Test
  void unknownKeyAndClosedReaderAreCheckpointErrors() {
    SafeTensors.Reader r = SafeTensors.open(ALL_DTYPES);
    CheckpointException e = assertThrows(CheckpointException.class, () -> r.loadRaw("nope"));
    assertTrue(e.getMessage().contains("no tensor named 'nope'"), e.getMessage());
    r.close();
    e = assertThrows(CheckpointException.class, () -> r.loadRaw("f32.random"));
    assertTrue(e.getMessage().contains("reader is closed"), e.getMessage());
  }

  @Test
  void fileShortenedAfterOpeningIsAnErrorNotACrash() throws IOException {
    Path f = Files.copy(ALL_DTYPES, tmp.resolve("short.safetensors"));
    try (PointerScope scope = new PointerScope();
        SafeTensors.Reader r = SafeTensors.open(f)) {
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
        ch.truncate(r.headerLength() + 8 + 4);
      }
      List<String> errors = new ArrayList<>();
      for (String key : r.keys()) {
        try {
          r.loadRaw(key);
        } catch (CheckpointException e) {
          errors.add(e.getMessage());
        }
      }
      assertFalse(errors.isEmpty());
      assertTrue(errors.get(0).contains("the file ended while reading tensor"), errors.get(0));
    }
  }

  private static List<String> names(JsonNode tensors) {
    List<String> out = new ArrayList<>();
    tensors.fieldNames().forEachRemaining(out::add);
    return out.stream().sorted().toList();
  }

  private static long[] longs(JsonNode array) {
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).asLong();
    return out;
  }
}
