package org.altdiffusion.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.altdiffusion.io.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SentencePieceProcessorTest {
  private static final Path UNIGRAM = Fixtures.file("xlmr/sentencepiece.bpe.model");
  private static final Path BPE = Fixtures.file("sp_bpe.model");

  @Test
  void unigramIdsEqualSentencepieceForEveryCorpusSentence() {
    checkAll(SentencePieceProcessor.load(UNIGRAM), "sp_uni");
  }

  @Test
  void bpeWithByteFallbackIdsEqualSentencepieceForEveryCorpusSentence() {
    checkAll(SentencePieceProcessor.load(BPE), "sp_bpe");
  }

  @Test
  void malformedUtf8BecomesReplacementCharactersAsInSentencepiece() {
    SentencePieceProcessor uni = SentencePieceProcessor.load(UNIGRAM);
    SentencePieceProcessor bpe = SentencePieceProcessor.load(BPE);
    int n = 0;
    for (JsonNode c : Fixtures.manifest().get("sp_malformed_utf8")) {
      byte[] bytes = HexFormat.of().parseHex(c.get("hex").asText());
      assertArrayEquals(
          Fixtures.ints(c.get("sp_uni")), ids(uni.encodeUtf8(bytes)), c.get("hex").asText());
      assertArrayEquals(
          Fixtures.ints(c.get("sp_bpe")), ids(bpe.encodeUtf8(bytes)), c.get("hex").asText());
      n++;
    }
    assertTrue(n >= 5);
  }

  @Test
  void readsTheModelFields() {
    SentencePieceModelFile m = SentencePieceModelFile.read(UNIGRAM);
    assertEquals(SentencePieceModelFile.ModelType.UNIGRAM, m.trainerSpec().modelType());
    assertEquals(1740, m.pieces().size());
    assertEquals(
        new SentencePieceModelFile.Piece("<unk>", 0f, SentencePieceModelFile.PieceType.UNKNOWN),
        m.pieces().get(0));
    assertEquals(SentencePieceModelFile.PieceType.CONTROL, m.pieces().get(1).type());
    assertEquals(SentencePieceModelFile.PieceType.USER_DEFINED, m.pieces().get(3).type());
    assertEquals("nmt_nfkc", m.normalizerSpec().name());
    assertTrue(m.normalizerSpec().precompiledCharsmap().length > 1000);
    assertTrue(m.normalizerSpec().addDummyPrefix() && m.normalizerSpec().removeExtraWhitespaces());
    SentencePieceModelFile b = SentencePieceModelFile.read(BPE);
    assertEquals(SentencePieceModelFile.ModelType.BPE, b.trainerSpec().modelType());
    assertTrue(b.trainerSpec().byteFallback());
  }

  @Test
  void aFileThatIsNotAModelIsRejectedClearly(@TempDir Path dir) throws Exception {
    Path json = Fixtures.file("xlmr/tokenizer_config.json");
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> SentencePieceProcessor.load(json));
    assertTrue(e.getMessage().contains("not a sentencepiece model"), e.getMessage());

    Path empty = Files.write(dir.resolve("empty.model"), new byte[0]);
    e = assertThrows(CheckpointException.class, () -> SentencePieceProcessor.load(empty));
    assertTrue(e.getMessage().contains("no pieces"), e.getMessage());

    Random random = new Random(42);
    for (int i = 0; i < 50; i++) {
      byte[] noise = new byte[1 + random.nextInt(5000)];
      random.nextBytes(noise);
      Path p = Files.write(dir.resolve("noise" + i + ".model"), noise);
      assertThrows(CheckpointException.class, () -> SentencePieceProcessor.load(p), "noise " + i);
    }
    Path missing = dir.resolve("missing.model");
    e = assertThrows(CheckpointException.class, () -> SentencePieceProcessor.load(missing));
    assertTrue(e.getMessage().contains("not found"), e.getMessage());
  }

  @Test
  void truncatedModelFilesAreRejectedClearly(@TempDir Path dir) throws Exception {
    for (Path model : List.of(UNIGRAM, BPE)) {
      byte[] full = Files.readAllBytes(model);
      List<Integer> cuts =
          new ArrayList<>(List.of(1, 2, 10, full.length - 1, full.length - 2, full.length - 100));
      for (int cut = 7; cut < full.length; cut += 4099) cuts.add(cut);
      cuts.addAll(fieldBoundaries(full));
      for (int cut : cuts) {
        Path p = Files.write(dir.resolve("cut.model"), Arrays.copyOf(full, cut));
        CheckpointException e =
            assertThrows(
                CheckpointException.class,
                () -> SentencePieceProcessor.load(p),
                model.getFileName() + " cut at " + cut + " of " + full.length);
        assertTrue(e.getMessage().contains("cut.model"), e.getMessage());
      }
    }
  }

  /**
   * Offsets just after each top-level field but the last (a cut there is not malformed protobuf).
   */
  private static List<Integer> fieldBoundaries(byte[] data) {
    List<Integer> out = new ArrayList<>();
    ProtoReader r = new ProtoReader(data);
    while (!r.atEnd()) {
      r.skip(r.tag());
      if (!r.atEnd()) out.add(r.position());
    }
    return out.subList(Math.max(0, out.size() - 3), out.size()); // the last pieces and the specs
  }

  @Test
  void unknownFieldsOfEveryWireTypeAreSkipped() {
    ByteArrayOutputStream model = new ByteArrayOutputStream();
    message(model, 1, piece("<unk>", 0f, 2));
    message(model, 1, piece("\u2581a", -1f, 1));
    message(model, 1, piece("b", -2f, 1));
    tag(model, 9, 0); // unknown varint
    varint(model, 300);
    tag(model, 10, 1); // unknown fixed64
    model.writeBytes(new byte[8]);
    tag(model, 11, 5); // unknown fixed32
    model.writeBytes(new byte[4]);
    tag(model, 12, 3); // unknown group with a nested group inside
    tag(model, 1, 0);
    varint(model, 1);
    tag(model, 2, 3);
    tag(model, 2, 4);
    tag(model, 12, 4);
    message(model, 2, new byte[0]); // trainer_spec: all defaults (UNIGRAM)
    ByteArrayOutputStream normalizer = new ByteArrayOutputStream();
    message(normalizer, 1, "identity".getBytes(StandardCharsets.UTF_8));
    message(model, 3, normalizer.toByteArray());
    SentencePieceProcessor sp =
        SentencePieceProcessor.of(
            SentencePieceModelFile.parse(Path.of("handmade.model"), model.toByteArray()));
    // "▁a▁b▁cd": "▁" alone is unknown; the unknown run "▁", "c", "d" is merged into one piece.
    assertEquals(
        List.of(
            new SentencePieceProcessor.Token("\u2581a", 1),
            new SentencePieceProcessor.Token("\u2581", 0),
            new SentencePieceProcessor.Token("b", 2),
            new SentencePieceProcessor.Token("\u2581cd", 0)),
        sp.encode(" a  b  cd "));
  }

  private static byte[] piece(String text, float score, int type) {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    message(p, 1, text.getBytes(StandardCharsets.UTF_8));
    tag(p, 2, 5);
    int bits = Float.floatToIntBits(score);
    p.write(bits);
    p.write(bits >>> 8);
    p.write(bits >>> 16);
    p.write(bits >>> 24);
    tag(p, 3, 0);
    varint(p, type);
    return p.toByteArray();
  }

  private static void message(ByteArrayOutputStream out, int field, byte[] payload) {
    tag(out, field, 2);
    varint(out, payload.length);
    out.writeBytes(payload);
  }

  private static void tag(ByteArrayOutputStream out, int field, int wireType) {
    varint(out, field << 3 | wireType);
  }

  private static void varint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) (v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.write((int) v);
  }

  @Test
  void unpairedSurrogatesAreRejected() {
    SentencePieceProcessor sp = SentencePieceProcessor.load(UNIGRAM);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> sp.encode("a\uD800b"));
    assertTrue(
        e.getMessage().contains("unpaired") && e.getMessage().contains("index 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> sp.encode("\uDC00"));
    assertEquals(sp.encode("a\uD83D\uDE00b"), sp.encode("a😀b")); // a proper pair is fine
  }

  private static int[] ids(List<SentencePieceProcessor.Token> tokens) {
    return tokens.stream().mapToInt(SentencePieceProcessor.Token::id).toArray();
  }

  private static void checkAll(SentencePieceProcessor sp, String field) {
    List<String> failures = new ArrayList<>();
    List<JsonNode> cases = Fixtures.lines("xlmr_cases.jsonl");
    for (JsonNode c : cases) {
      String text = c.get("text").asText();
      int[] expected = Fixtures.ints(c.get(field));
      int[] actual = sp.encodeIds(text);
      if (!Arrays.equals(expected, actual)) {
        failures.add(
            Fixtures.show(text)
                + "\n  expected "
                + Arrays.toString(expected)
                + "\n  actual   "
                + Arrays.toString(actual)
                + "\n  pieces "
                + sp.encode(text));
      }
    }
    System.out.printf(
        "sentencepiece %s: %d/%d sentences match%n",
        field, cases.size() - failures.size(), cases.size());
    assertEquals(
        List.of(),
        failures.subList(0, Math.min(5, failures.size())),
        failures.size() + " mismatches");
  }
}
