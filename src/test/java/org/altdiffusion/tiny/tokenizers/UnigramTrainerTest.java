package org.altdiffusion.tiny.tokenizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.tiny.tokenizers.UnigramTrainer.ScoredPiece;
import org.altdiffusion.tokenizer.SentencePieceModelFile;
import org.altdiffusion.tokenizer.SentencePieceProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnigramTrainerTest {
  private static final List<String> CORPUS = corpus();

  private static List<String> corpus() {
    List<String> out = new ArrayList<>();
    String[] colours = {"red", "green", "blue"};
    String[] shapes = {"circle", "square", "triangle"};
    for (String c : colours)
      for (String s : shapes) {
        out.add("a " + c + " " + s);
        out.add("the  " + c + " " + s + " "); // extra spaces are normalized away
        out.add("一个" + c.length() + "的" + s.charAt(0));
      }
    return out;
  }

  @Test
  void normalizationIsSentencePiecesIdentityRuleWithWhitespaceHandling() {
    assertEquals("▁a▁red▁circle", UnigramTrainer.normalize("  a  red circle  "));
    assertEquals("▁左边有", UnigramTrainer.normalize("左边有"));
    assertEquals("", UnigramTrainer.normalize("   "));
    assertEquals(List.of("▁a", "▁red", "▁circle"), UnigramTrainer.splitIntoWords("▁a▁red▁circle"));
  }

  @Test
  void digammaMatchesKnownValues() {
    assertEquals(-0.5772156649015329, UnigramTrainer.digamma(1), 1e-9);
    assertEquals(1.5061176684318003, UnigramTrainer.digamma(5), 1e-9);
    assertEquals(3.9019896734278917, UnigramTrainer.digamma(50), 1e-9);
  }

  @Test
  void learnsFrequentWordsAndKeepsEveryCharacter() {
    UnigramTrainer.Result r = UnigramTrainer.train(CORPUS, UnigramTrainer.Options.defaults(34), 3);
    assertEquals(31, r.pieces().size());
    List<String> pieces = r.pieces().stream().map(ScoredPiece::piece).toList();
    for (String word : List.of("▁red", "▁green", "▁blue", "▁circle", "▁square", "▁triangle")) {
      assertTrue(pieces.contains(word), word + " in " + pieces);
    }
    CORPUS.stream()
        .map(UnigramTrainer::normalize)
        .flatMapToInt(String::codePoints)
        .forEach(
            c ->
                assertTrue(
                    pieces.contains(new String(Character.toChars(c))),
                    "character " + Character.toString(c)));
    for (String p : pieces) {
      assertTrue(p.lastIndexOf('▁') <= 0, "'▁' only in front: " + p);
      assertTrue(!(p.contains("一") && p.matches(".*[a-z0-9].*")), "one script per piece: " + p);
    }
    for (int i = 1; i < r.pieces().size(); i++)
      assertTrue(r.pieces().get(i).score() <= r.pieces().get(i - 1).score());
  }

  @Test
  void writtenModelEncodesTheCorpusWithTheLearnedPieces(@TempDir Path dir) throws Exception {
    UnigramTrainer.Options options = UnigramTrainer.Options.defaults(34);
    UnigramTrainer.Result r = UnigramTrainer.train(CORPUS, options, 3);
    Path file = dir.resolve("m.model");
    Files.write(file, SentencePieceModelWriter.write(r.pieces(), options, "test"));
    SentencePieceProcessor sp = SentencePieceProcessor.load(file);
    assertEquals(34, sp.size());
    assertEquals(SentencePieceModelFile.PieceType.UNKNOWN, sp.type(0));
    assertEquals(
        List.of("▁a", "▁red", "▁circle"),
        sp.encode("a red circle").stream().map(SentencePieceProcessor.Token::piece).toList());
    assertEquals(r.pieces().get(0).piece(), sp.idToPiece(3));
  }

  @Test
  void sizesThatCannotWorkAreRefusedWithTheLimit() {
    var small =
        assertThrows(
            IllegalArgumentException.class,
            () -> UnigramTrainer.train(CORPUS, UnigramTrainer.Options.defaults(10), 3));
    assertTrue(small.getMessage().contains("cannot hold the corpus's"), small.getMessage());
    var large =
        assertThrows(
            IllegalArgumentException.class,
            () -> UnigramTrainer.train(CORPUS, UnigramTrainer.Options.defaults(5000), 3));
    assertTrue(large.getMessage().contains("is too large for this corpus"), large.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> UnigramTrainer.train(List.of(), UnigramTrainer.Options.defaults(100), 3));
    assertThrows(
        IllegalArgumentException.class, () -> new UnigramTrainer.Options(100, 16, 2, 1.5, 10));
  }
}
