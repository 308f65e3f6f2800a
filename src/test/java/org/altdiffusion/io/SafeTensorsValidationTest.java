package org.altdiffusion.io;

import static org.altdiffusion.io.CheckpointFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.altdiffusion.engine.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every rule of the safetensors format, one bad file per rule, each refused with one {@link
 * CheckpointException} naming the file and the problem; and the borderline files the reference
 * library (0.8.0) accepts, accepted. The verdicts agree with the reference's except where we are
 * stricter on purpose (see {@link SafeTensorsHeader}): duplicate names and duplicate metadata keys,
 * lone surrogate escapes, more than 64 dimensions, unsupported dtypes; checked by hand and by
 * tools/reference/compare_safetensors_verdicts.py over fuzzed inputs.
 */
class SafeTensorsValidationTest {
  private static final String ONE =
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
  private static final byte[] FOUR = {0, 0, (byte) 0x80, 0x3f}; // 1.0f

  @TempDir Path tmp;
  private int counter;

  @BeforeAll
  static void init() {
    Torch.init();
  }

  // ---------------------------------------------------------------- length prefix

  @Test
  void fileShorterThanTheLengthPrefix() {
    invalid(new byte[] {2, 0, 0}, "the file is 3 bytes, shorter than the 8-byte header length");
    invalid(new byte[0], "the file is 0 bytes");
  }

  @Test
  void headerLengthPastTheEndOfTheFile() {
    invalid(safetensors(ONE, FOUR, ONE.length() + 5), "runs past the end of the file");
  }

  @Test
  void headerLengthOverTheLimit() {
    invalid(
        safetensors(ONE, FOUR, 100_000_001L),
        "header length 100000001 is over the limit of 100000000 bytes");
    invalid(safetensors(ONE, FOUR, -1L), "header length 18446744073709551615 is over the limit");
  }

  @Test
  void truncatedFile() {
    byte[] ok = safetensors(ONE, FOUR);
    invalid(
        Arrays.copyOf(ok, ok.length - 1),
        "the tensors need 4 bytes of data but the file holds 3 after the header: truncated?");
    invalid(Arrays.copyOf(ok, 20), "runs past the end of the file");
  }

  // ---------------------------------------------------------------- header text

  @Test
  void headerNotUtf8() {
    byte[] h =
        "{\"\u00ff\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
            .getBytes(StandardCharsets.ISO_8859_1);
    byte[] file = new byte[8 + h.length + 4];
    java.nio.ByteBuffer.wrap(file)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .putLong(h.length)
        .put(h)
        .put(FOUR);
    invalid(file, "header is not valid UTF-8");
  }

  @Test
  void headerNotJson() {
    invalid(
        safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", FOUR),
        "header is not valid JSON");
    invalid(safetensors("{'a':1}", new byte[0]), "header is not valid JSON");
    invalid(safetensors("", new byte[0]), "header is empty; expected a JSON object");
    invalid(safetensors("   ", new byte[0]), "header is empty");
    invalid(safetensors("{/*c*/}", new byte[0]), "header is not valid JSON");
    invalid(
        safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[NaN],\"data_offsets\":[0,4]}}", FOUR),
        "header is not valid JSON");
    invalid(
        safetensors("\ufeff" + ONE, FOUR),
        "header is not valid JSON"); // a byte-order mark is not JSON whitespace
  }

  @Test
  void headerNotAnObject() {
    invalid(safetensors("[]", new byte[0]), "header is an array, expected a JSON object");
    invalid(safetensors("\"x\"", new byte[0]), "header is a string, expected a JSON object");
    invalid(safetensors("7", new byte[0]), "header is the integer 7, expected a JSON object");
    invalid(safetensors("null", new byte[0]), "header is null, expected a JSON object");
  }

  @Test
  void contentAfterTheObject() {
    invalid(safetensors(ONE + "x", FOUR), "header is not valid JSON");
    invalid(safetensors(ONE + "{}", FOUR), "unexpected content after the header's JSON object");
    invalid(safetensors(ONE + "\0", FOUR), "header is not valid JSON");
  }

  @Test
  void whitespacePaddingIsAccepted() {
    valid(safetensors(ONE + "    ", FOUR), 1);
    valid(safetensors(ONE + " \n\t\r", FOUR), 1);
    valid(
        safetensors("  \n" + ONE, FOUR), 1); // the reference (0.8.0) accepts leading whitespace too
  }

  // ---------------------------------------------------------------- names and entries

  @Test
  void duplicateNames() {
    String e = "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
    invalid(safetensors("{" + e + "," + e + "}", FOUR), "duplicate name 'a'");
    invalid(
        safetensors("{\"__metadata__\":{},\"__metadata__\":{}}", new byte[0]),
        "duplicate name '__metadata__'");
    invalid(
        safetensors(
            "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
            FOUR),
        "tensor 'a' has 'dtype' twice");
    invalid(
        safetensors("{\"__metadata__\":{\"k\":\"v\",\"k\":\"w\"}}", new byte[0]),
        "duplicate __metadata__ key 'k'");
  }

  @Test
  void entryShapeAndFields() {
    invalid(
        safetensors("{\"a\":null}", new byte[0]),
        "tensor 'a' must be an object with dtype, shape and data_offsets, got null");
    invalid(
        safetensors("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", FOUR),
        "tensor 'a' has no 'dtype'");
    invalid(
        safetensors("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", FOUR),
        "tensor 'a' has no 'shape'");
    invalid(
        safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", FOUR),
        "tensor 'a' has no 'data_offsets'");
    invalid(
        safetensors("{\"a\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", FOUR),
        "'dtype' must be a string, got the integer 7");
    invalid(
        safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}}", FOUR),
        "'shape' must be an array of integers");
    invalid(
        safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,4]}}", FOUR),
        "'data_offsets' has more than 2 entries");
    invalid(
        safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}}", FOUR),
        "'data_offsets' must be [begin, end], got 1 numbers");
    // unknown fields are ignored, as by the reference
    valid(
        safetensors(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":{\"x\":[1,2]}}}",
            FOUR),
        1);
  }

  @Test
  void shapeValues() {
    invalid(entry("F32", "[-1]", 0, 4), "'shape' must hold integers >= 0, got -1");
    invalid(entry("F32", "[-0]", 0, 0), "'shape' must hold integers >= 0, got -0");
    invalid(entry("F32", "[1.0]", 0, 4), "'shape' must hold integers >= 0, got the number 1.0");
    invalid(entry("F32", "[1e0]", 0, 4), "got the number 1e0");
    invalid(entry("F32", "[\"1\"]", 0, 4), "got a string");
    invalid(
        entry("F32", "[9223372036854775808]", 0, 4),
        "'shape' value 9223372036854775808 is larger than 2^63-1");
    String rank65 = "[" + "1,".repeat(64) + "1]";
    invalid(entry("F32", rank65, 0, 4), "'shape' has more than 64 entries");
  }

  @Test
  void unknownAndUnsupportedDtypes() {
    invalid(
        entry("F31", "[1]", 0, 4),
        "tensor 'a': unknown dtype 'F31' (accepted: F64, F32, F16, BF16, I64, I32, I16, I8, U8,"
            + " BOOL)");
    invalid(entry("f32", "[1]", 0, 4), "unknown dtype 'f32'");
    invalid(
        entry("F8_E4M3", "[4]", 0, 4),
        "dtype 'F8_E4M3' is defined by safetensors but not supported here (accepted: F64");
    invalid(
        entry("U32", "[1]", 0, 4), "dtype 'U32' is defined by safetensors but not supported here");
  }

  // ---------------------------------------------------------------- sizes and layout

  @Test
  void sizeMismatch() {
    invalid(entry("F32", "[2]", 0, 4), "tensor 'a' spans 4 bytes but F32 x [2] needs 8");
    invalid(entry("F16", "[1]", 0, 4), "tensor 'a' spans 4 bytes but F16 x [1] needs 2");
  }

  @Test
  void multiplicationOverflow() {
    // 2^40 x 2^40 elements: never allocated, refused while checking the size
    long big = 1L << 40;
    invalid(
        entry("F32", "[" + big + "," + big + "]", 0, 4),
        "tensor 'a': the size of F32 x [1099511627776, 1099511627776] overflows 64 bits");
    invalid(
        entry("U8", "[" + big + "," + big + ",0]", 0, 0),
        "overflows 64 bits"); // overflow before the 0, as the reference
    invalid(
        entry("U8", "[0," + big + "," + big + "]", 0, 0),
        "overflows 64 bits"); // libtorch cannot stride it
    invalid(
        entry("F64", "[" + (1L << 61) + "]", 0, 8),
        "overflows 64 bits"); // elements fit, bytes do not
  }

  @Test
  void hugeShapeThatDoesNotOverflowIsRefusedWithoutAllocating() {
    invalid(
        entry("F32", "[1048576,1048576]", 0, 4),
        "spans 4 bytes but F32 x [1048576, 1048576] needs 4398046511104");
  }

  @Test
  void offsetsOutOfOrder() {
    invalid(entry("F32", "[0]", 4, 0), "tensor 'a' ends (data offset 0) before it begins (4)");
    invalid(entry("F32", "[1]", -4, 0), "'data_offsets' must hold integers >= 0, got -4");
  }

  @Test
  void gapsOverlapsAndTrailingBytes() {
    invalid(
        safetensors(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]),
        "gap of 4 unused bytes at data offset 0, before tensor 'a'");
    invalid(
        safetensors(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
            new byte[12]),
        "gap of 4 unused bytes at data offset 4, before tensor 'b'");
    invalid(
        safetensors(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
            new byte[8]),
        "tensor 'b' (bytes 4..8) overlaps tensor 'a' (bytes 0..8)");
    invalid(
        safetensors(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
            new byte[4]),
        "overlaps");
    invalid(
        safetensors(ONE, new byte[5]),
        "1 trailing bytes after the last tensor (the data section is 5 bytes, the tensors cover"
            + " 4)");
    invalid(safetensors("{}", new byte[1]), "1 trailing bytes");
  }

  @Test
  void zeroSizeScalarsEmptyAndReorderedAreValid() {
    valid(safetensors("{}", new byte[0]), 0);
    valid(safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", FOUR), 1);
    // zero-size tensors at the start, between and after others; header order differs from data
    // order
    valid(
        safetensors(
            "{\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[4,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"e\":{\"dtype\":\"I64\",\"shape\":[3,0,5],\"data_offsets\":[0,0]},"
                + "\"y\":{\"dtype\":\"BOOL\",\"shape\":[0],\"data_offsets\":[8,8]}}",
            new byte[8]),
        5);
    valid(
        safetensors("{\"\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", FOUR),
        1); // empty name
    valid(entry("U8", "[0,9223372036854775807]", 0, 0), 1); // zero elements, still addressable
  }

  // ---------------------------------------------------------------- metadata

  @Test
  void metadataOnlyStrings() {
    invalid(
        safetensors("{\"__metadata__\":{\"k\":1}}", new byte[0]),
        "__metadata__ value of 'k' must be a string, got the integer 1");
    invalid(
        safetensors("{\"__metadata__\":{\"k\":null}}", new byte[0]),
        "__metadata__ value of 'k' must be a string, got null");
    invalid(
        safetensors("{\"__metadata__\":{\"k\":{\"x\":\"y\"}}}", new byte[0]),
        "must be a string, got an object");
    invalid(
        safetensors("{\"__metadata__\":\"x\"}", new byte[0]),
        "__metadata__ must be an object of strings, got a string");
    invalid(
        safetensors("{\"__metadata__\":[]}", new byte[0]),
        "__metadata__ must be an object of strings, got an array");
    invalid(
        safetensors("{\"__metadata__\":{\"k\":\"\\ud800\"}}", new byte[0]),
        "__metadata__ entry 'k' holds an unpaired UTF-16 surrogate escape");
    try (SafeTensors.Reader r =
        SafeTensors.open(file(safetensors("{\"__metadata__\":null," + ONE.substring(1), FOUR)))) {
      assertTrue(r.metadata().isEmpty(), "null metadata is accepted as none, like the reference");
    }
    try (SafeTensors.Reader r =
        SafeTensors.open(
            file(
                safetensors(
                    "{\"__metadata__\":{\"k\":\"v\\u00e9\\n\"}," + ONE.substring(1), FOUR)))) {
      assertEquals("v\u00e9\n", r.metadata().get("k"));
    }
  }

  @Test
  void loneSurrogateInName() {
    invalid(
        safetensors(
            "{\"a\\ud800\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", FOUR),
        "unpaired UTF-16 surrogate");
    valid(
        safetensors(
            "{\"a\\ud83d\\ude00\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", FOUR),
        1);
  }

  @Test
  void errorsQuoteHostileNamesSafely() {
    String name = "x".repeat(500) + "\\u0001";
    CheckpointException e =
        invalid(
            safetensors(
                "{\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}",
                FOUR),
            "spans 4 bytes");
    assertTrue(e.getMessage().contains("...(501 characters)"), e.getMessage());
    assertTrue(e.getMessage().length() < 400, e.getMessage());
  }

  @Test
  void notAFile() {
    CheckpointException e =
        assertThrows(
            CheckpointException.class, () -> SafeTensors.open(tmp.resolve("missing.safetensors")));
    assertTrue(e.getMessage().endsWith("missing.safetensors: file not found"), e.getMessage());
    e = assertThrows(CheckpointException.class, () -> SafeTensors.open(tmp));
    assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
  }

  // ---------------------------------------------------------------- helpers

  private static byte[] entry(String dtype, String shape, long begin, long end) {
    String h =
        "{\"a\":{\"dtype\":\""
            + dtype
            + "\",\"shape\":"
            + shape
            + ",\"data_offsets\":["
            + begin
            + ","
            + end
            + "]}}";
    return safetensors(h, new byte[(int) Math.max(0, Math.max(begin, end))]);
  }

  private Path file(byte[] content) {
    return write(tmp, "f" + (counter++) + ".safetensors", content);
  }

  private CheckpointException invalid(byte[] content, String expected) {
    Path f = file(content);
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () -> {
              try (SafeTensors.Reader r = SafeTensors.open(f)) {
                fail("accepted; expected: " + expected + "; keys " + r.keys());
              }
            });
    assertTrue(e.getMessage().startsWith(f + ": "), "names the file: " + e.getMessage());
    assertTrue(
        e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    assertEquals(f, e.file());
    return e;
  }

  private void valid(byte[] content, int tensors) {
    try (PointerScope scope = new PointerScope();
        SafeTensors.Reader r = SafeTensors.open(file(content))) {
      assertEquals(tensors, r.keys().size());
      for (String k : r.keys()) {
        assertArrayEquals(r.shape(k), r.loadRaw(k).sizes().vec().get());
        r.load(k);
      }
    }
  }
}
