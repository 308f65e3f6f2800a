package org.altdiffusion.io.pytorch;

import static org.altdiffusion.io.pytorch.Fixtures.bytes;
import static org.altdiffusion.io.pytorch.Fixtures.fixture;
import static org.altdiffusion.io.pytorch.Fixtures.sha256;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.DType;
import org.altdiffusion.io.TensorSource;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checkpoints written by torch.save (tools/reference/make_pytorch_fixtures.py) read bit for bit.
 */
class TorchCheckpointTest {
  static JsonNode expected;

  @BeforeAll
  static void init() {
    Torch.init();
    expected = Fixtures.expected();
  }

  static Stream<String> readableFiles() {
    List<String> names = new ArrayList<>();
    Fixtures.expected().get("files").fieldNames().forEachRemaining(names::add);
    return names.stream();
  }

  static Stream<String> badFiles() {
    List<String> names = new ArrayList<>();
    Fixtures.expected().get("errors").fieldNames().forEachRemaining(names::add);
    return names.stream();
  }

  @ParameterizedTest
  @MethodSource("readableFiles")
  void matchesTorchBitForBit(String name) {
    matches(name, TorchCheckpoint.MAP_WINDOW);
  }

  /**
   * Tiny mapping windows force the paths that big tensors take: windowed copies and splits along a
   * dimension.
   */
  @ParameterizedTest
  @MethodSource("readableFiles")
  void matchesTorchWithTinyMappingWindows(String name) {
    matches(name, 8);
    matches(name, 24);
    matches(name, 100);
  }

  private void matches(String name, long mapWindow) {
    JsonNode want = expected.get("files").get(name);
    try (PointerScope scope = new PointerScope();
        TorchCheckpoint ckpt = TorchCheckpoint.open(fixture(name), mapWindow)) {
      List<String> keys = new ArrayList<>();
      want.get("tensors").forEach(t -> keys.add(t.get("key").asText()));
      assertEquals(keys, new ArrayList<>(ckpt.keys()), "keys in file order");
      List<String> skipped = new ArrayList<>();
      want.get("skipped").forEach(s -> skipped.add(s.asText()));
      assertEquals(skipped, ckpt.skippedKeys());
      assertEquals(want.get("from_state_dict").asBoolean(), ckpt.fromStateDict());
      assertEquals(name.equals("big_endian.bin"), ckpt.bigEndian());
      Map<Integer, String> storageOfGroup = new HashMap<>();
      Map<String, Integer> groupOfStorage = new HashMap<>();
      for (JsonNode t : want.get("tensors")) {
        String key = t.get("key").asText();
        String dtype = t.get("dtype").asText();
        assertEquals(dtype, ckpt.dtype(key), key);
        assertArrayEquals(longs(t.get("shape")), ckpt.shape(key), key);
        TorchCheckpoint.TensorInfo info = ckpt.info(key);
        assertArrayEquals(longs(t.get("stride")), info.stride(), key + " stride");
        assertEquals(
            t.get("storage_offset").asLong(), info.storageOffset(), key + " storage offset");
        // Tensors share a storage in our reading exactly when they did in torch.
        int group = t.get("storage_group").asInt();
        assertEquals(
            storageOfGroup.computeIfAbsent(group, g -> info.storageKey()), info.storageKey(), key);
        assertEquals(groupOfStorage.computeIfAbsent(info.storageKey(), s -> group), group, key);

        Tensor raw = ckpt.loadRaw(key);
        assertEquals(dtype, DType.of(raw.scalar_type()).safetensorsName(), key);
        assertArrayEquals(longs(t.get("shape")), raw.sizes().vec().get(), key);
        assertTrue(raw.is_contiguous(), key);
        byte[] rawBytes = bytes(raw);
        if (t.has("hex"))
          assertEquals(
              t.get("hex").asText(), HexFormat.of().formatHex(rawBytes), key + " raw bytes");
        assertEquals(t.get("sha256").asText(), sha256(rawBytes), key + " raw bytes");

        Tensor wide = ckpt.load(key);
        DType wideType = DType.of(wide.scalar_type());
        DType stored = DType.parse(dtype);
        assertEquals(
            stored == DType.BOOL ? DType.BOOL : stored.floating() ? DType.F32 : DType.I64,
            wideType,
            key);
        assertEquals(
            t.get("sha256_widened").asText(), sha256(bytes(wide)), key + " widened values");
      }
    }
  }

  @ParameterizedTest
  @MethodSource("badFiles")
  void refusesWithAClearError(String name) {
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> TorchCheckpoint.open(fixture(name)).close());
    assertTrue(e.getMessage().contains(expected.get("errors").get(name).asText()), e.getMessage());
    assertTrue(e.getMessage().contains(name), "names the file: " + e.getMessage());
    assertEquals(fixture(name), e.file());
  }

  @Test
  void legacyErrorSaysHowToConvert() {
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> TorchCheckpoint.open(fixture("legacy.pt")));
    assertTrue(
        e.getMessage().contains("torch.save(torch.load('IN', weights_only=True), 'OUT.bin')"),
        e.getMessage());
  }

  @Test
  void isATensorSource() {
    try (PointerScope scope = new PointerScope();
        TensorSource src = TorchCheckpoint.open(fixture("module_state.bin"))) {
      assertEquals(
          List.of("0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"),
          new ArrayList<>(src.keys()));
      assertEquals("F16", src.dtype("2.weight"));
      assertArrayEquals(new long[] {2, 3, 3, 3}, src.shape("2.weight"));
      CheckpointException e = assertThrows(CheckpointException.class, () -> src.load("nope"));
      assertTrue(e.getMessage().contains("no tensor named 'nope'"), e.getMessage());
    }
  }

  @Test
  void loadedTensorsAreCopiesNotTheMap() {
    // Writing into a tensor over a read-only mapping would kill the JVM; ours are private copies.
    try (PointerScope scope = new PointerScope();
        TorchCheckpoint ckpt = TorchCheckpoint.open(fixture("views.bin"))) {
      String before = sha256(bytes(ckpt.loadRaw("tied_a")));
      ckpt.loadRaw("tied_a").fill_(new org.bytedeco.pytorch.Scalar(7.0));
      ckpt.load("tied_b").fill_(new org.bytedeco.pytorch.Scalar(7.0));
      ckpt.loadRaw("slice_a").mul_(new org.bytedeco.pytorch.Scalar(3.0));
      assertEquals(before, sha256(bytes(ckpt.loadRaw("tied_a"))));
      assertEquals(before, sha256(bytes(ckpt.load("tied_b"))));
    }
  }

  @Test
  void closedCheckpointRefusesToLoad() {
    TorchCheckpoint ckpt = TorchCheckpoint.open(fixture("views.bin"));
    ckpt.close();
    CheckpointException e = assertThrows(CheckpointException.class, () -> ckpt.loadRaw("scalar"));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
  }

  @Test
  void verifiesAllChecksums() {
    try (TorchCheckpoint ckpt = TorchCheckpoint.open(fixture("dtypes.bin"))) {
      ckpt.verifyChecksums();
    }
  }

  private static long[] longs(JsonNode array) {
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).asLong();
    return out;
  }
}
