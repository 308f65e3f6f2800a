package org.altdiffusion.tiny.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Partial captions (issue 26): their grammar per language, and the dataset's share of them. */
class PartialCaptionsTest {
  private static final Captions CAPTIONS = Captions.bundled();
  private static final Attributes LARGE_BLUE_STAR_CENTRE =
      new Attributes(Shape.STAR, Colour.BLUE, Position.CENTRE, Size.LARGE);

  /**
   * Reviewed: the bare colour, "a large star in the centre" and "a large blue shape in the centre"
   * in every language (a feminine generic noun where the language has genders).
   */
  private static final Map<Language, List<String>> EXPECTED = new EnumMap<>(Language.class);

  static {
    EXPECTED.put(
        Language.EN,
        List.of("blue", "a large star in the centre", "a large blue shape in the centre"));
    EXPECTED.put(Language.ZH, List.of("蓝色", "中间有一颗大五角星", "中间有一个蓝色的大图形"));
    EXPECTED.put(Language.JA, List.of("青", "中央にある大きな星", "中央にある大きな青い図形"));
    EXPECTED.put(
        Language.TH,
        List.of("สีน้ำเงิน", "รูปดาวขนาดใหญ่ตรงกลาง", "รูปทรงสีน้ำเงินขนาดใหญ่ตรงกลาง"));
    EXPECTED.put(Language.KO, List.of("파란색", "가운데에 있는 큰 별", "가운데에 있는 큰 파란 도형"));
    EXPECTED.put(
        Language.HI, List.of("नीला", "बीच में एक बड़ा तारा", "बीच में एक बड़ी नीली आकृति"));
    EXPECTED.put(
        Language.UK, List.of("синій", "велика зірка в центрі", "велика синя фігура в центрі"));
    EXPECTED.put(Language.AR, List.of("أزرق", "نجمة كبيرة في الوسط", "شكل أزرق كبير في الوسط"));
    EXPECTED.put(
        Language.TR, List.of("mavi", "ortada büyük bir yıldız", "ortada büyük mavi bir şekil"));
    EXPECTED.put(
        Language.VI,
        List.of(
            "màu xanh dương",
            "một ngôi sao lớn ở chính giữa",
            "một hình lớn màu xanh dương ở chính giữa"));
    EXPECTED.put(
        Language.PL,
        List.of("niebieski", "duża gwiazda pośrodku", "duża niebieska figura pośrodku"));
    EXPECTED.put(
        Language.NL,
        List.of("blauw", "een grote ster in het midden", "een grote blauwe vorm in het midden"));
    EXPECTED.put(
        Language.PT,
        List.of("azul", "uma estrela grande no centro", "uma forma azul grande no centro"));
    EXPECTED.put(
        Language.IT,
        List.of("blu", "una grande stella al centro", "una grande forma blu al centro"));
    EXPECTED.put(
        Language.ES,
        List.of("azul", "una estrella grande en el centro", "una forma azul grande en el centro"));
    EXPECTED.put(
        Language.DE,
        List.of("blau", "ein großer Stern in der Mitte", "eine große blaue Form in der Mitte"));
    EXPECTED.put(
        Language.FR,
        List.of("bleu", "une grande étoile au centre", "une grande forme bleue au centre"));
    EXPECTED.put(
        Language.RU, List.of("синий", "большая звезда в центре", "большая синяя фигура в центре"));
  }

  @Test
  void reviewedPartialCaptionsInEveryLanguage() {
    assertEquals(Language.values().length, EXPECTED.size());
    for (Language l : Language.values()) {
      List<String> got =
          List.of(
              CAPTIONS.caption(l, LARGE_BLUE_STAR_CENTRE, CaptionTemplate.COLOUR),
              CAPTIONS.caption(l, LARGE_BLUE_STAR_CENTRE, CaptionTemplate.SIZE_SHAPE_POSITION),
              CAPTIONS.caption(l, LARGE_BLUE_STAR_CENTRE, CaptionTemplate.SIZE_COLOUR_POSITION));
      assertEquals(EXPECTED.get(l), got, l.code());
    }
  }

  @Test
  void bareWordsAreDictionaryForms() {
    Attributes largeRedCircleLeft =
        new Attributes(Shape.CIRCLE, Colour.RED, Position.LEFT, Size.LARGE);
    assertEquals("rot", CAPTIONS.caption(Language.DE, largeRedCircleLeft, CaptionTemplate.COLOUR));
    assertEquals("groß", CAPTIONS.caption(Language.DE, largeRedCircleLeft, CaptionTemplate.SIZE));
    assertEquals(
        "links", CAPTIONS.caption(Language.DE, largeRedCircleLeft, CaptionTemplate.POSITION));
    assertEquals("赤", CAPTIONS.caption(Language.JA, largeRedCircleLeft, CaptionTemplate.COLOUR));
    assertEquals("大きい", CAPTIONS.caption(Language.JA, largeRedCircleLeft, CaptionTemplate.SIZE));
    assertEquals(
        "circle", CAPTIONS.caption(Language.EN, largeRedCircleLeft, CaptionTemplate.SHAPE));
    assertEquals("rood", CAPTIONS.caption(Language.NL, largeRedCircleLeft, CaptionTemplate.COLOUR));
    assertEquals(
        "rouge", CAPTIONS.caption(Language.FR, largeRedCircleLeft, CaptionTemplate.COLOUR));
    assertEquals("빨간색", CAPTIONS.caption(Language.KO, largeRedCircleLeft, CaptionTemplate.COLOUR));
    // the full caption keeps the agreeing form
    assertEquals(
        "ein großer roter Kreis links",
        CAPTIONS.caption(Language.DE, largeRedCircleLeft, CaptionTemplate.FULL));
    assertEquals(
        "ein großer Kreis links",
        CAPTIONS.caption(Language.DE, largeRedCircleLeft, CaptionTemplate.SIZE_SHAPE_POSITION));
  }

  /**
   * Every partial meaning, in every language, tells apart exactly what it says (distinct meanings,
   * distinct captions), and a caption that leaves the shape open names no shape.
   */
  @Test
  void partialCaptionsSayWhatTheyMeanAndNoMore() {
    for (Language l : Language.values()) {
      CaptionLexicon lex = CAPTIONS.lexicon(l);
      Map<String, String> seen = new HashMap<>();
      for (CaptionTemplate t : CaptionTemplate.values()) {
        Set<Attributes> meanings = new HashSet<>();
        for (Attributes a : Attributes.all()) meanings.add(t.project(a));
        for (Attributes m : meanings) {
          String c = CAPTIONS.caption(l, m, t);
          String before = seen.put(c, t.key() + " " + m);
          assertNull(
              before, l.code() + ": \"" + c + "\" said by " + before + " and " + t + " " + m);
          if (!t.mentionsShape()) {
            for (Shape s : Shape.values())
              assertFalse(
                  c.contains(lex.noun(s).noun()),
                  l.code() + " " + t.key() + ": \"" + c + "\" names " + s.key());
            if (!t.bare()) assertTrue(c.contains(lex.anyShape().noun()), l.code() + ": " + c);
          }
        }
      }
    }
  }

  @Test
  void lexiconErrorsNameTheField() throws Exception {
    String en = resource("tiny/captions/en.json");
    var noGeneric =
        assertThrows(
            CaptionDataException.class,
            () ->
                CaptionLexicon.parse(
                    Language.EN, "en.json", en.replace("\"any_shape\"", "\"any_shapes\"")));
    assertTrue(noGeneric.getMessage().contains("any_shape"), noGeneric.getMessage());
    String de = resource("tiny/captions/de.json");
    var noCitation =
        assertThrows(
            CaptionDataException.class,
            () ->
                CaptionLexicon.parse(
                    Language.DE, "de.json", de.replace("\"citation_gender\": \"m\",", "")));
    assertTrue(noCitation.getMessage().contains("citation_gender"), noCitation.getMessage());
    var noBareTemplate =
        assertThrows(
            CaptionDataException.class,
            () ->
                CaptionLexicon.parse(
                    Language.EN, "en.json", en.replace("\"colour\": \"{colour}\",", "")));
    assertTrue(noBareTemplate.getMessage().contains("colour"), noBareTemplate.getMessage());
    var bareOnlyObject =
        assertThrows(
            CaptionDataException.class,
            () ->
                CaptionLexicon.parse(
                    Language.EN,
                    "en.json",
                    en.replace("\"red\": \"red\"", "\"red\": {\"bare\": \"red\"}")));
    assertTrue(bareOnlyObject.getMessage().contains("colours.red"), bareOnlyObject.getMessage());
  }

  /**
   * Share 0 is today's dataset bit for bit: the hash of the first 1500 TRAIN samples (template,
   * captions in 18 languages, pixels) and of the distillation pairs, as the code before partial
   * captions computed it (commit 1b08c0d).
   */
  @Test
  void shareZeroReproducesTheOriginalDataBitForBit() throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    ShapesDataset d = ShapesDataset.of(0, Split.TRAIN, 1500, 0);
    for (int i = 0; i < d.size(); i++) {
      Sample s = d.get(i);
      md.update(s.template().name().getBytes(StandardCharsets.UTF_8));
      for (Language l : Language.values()) md.update(s.caption(l).getBytes(StandardCharsets.UTF_8));
      for (int v : s.rgb()) {
        md.update((byte) (v >> 16));
        md.update((byte) (v >> 8));
        md.update((byte) v);
      }
    }
    for (CaptionPair p : ShapesDataset.of(0, Split.TRAIN).captionPairs())
      md.update(
          (p.language().code() + "\t" + p.english() + "\t" + p.text() + "\n")
              .getBytes(StandardCharsets.UTF_8));
    assertEquals(
        "e6867a9c6b482019565e44d74e56d78028d363dc2079dff20a472506ee675afe",
        java.util.HexFormat.of().formatHex(md.digest()));
  }

  @Test
  void aShareOfTrainingCaptionsIsPartialOverTheSamePictures() {
    int n = 3000;
    ShapesDataset original = ShapesDataset.of(0, Split.TRAIN, n);
    ShapesDataset mixed = ShapesDataset.of(0, Split.TRAIN, n, 0.3);
    int partial = 0;
    Set<CaptionTemplate> kinds = new HashSet<>();
    for (int i = 0; i < n; i++) {
      Sample a = original.get(i), b = mixed.get(i);
      assertEquals(a.scene(), b.scene(), "sample " + i);
      if (CaptionTemplate.PARTIAL.contains(b.template())) {
        partial++;
        kinds.add(b.template());
      } else {
        assertEquals(a.template(), b.template(), "sample " + i);
        assertEquals(a.captions(), b.captions(), "sample " + i);
      }
    }
    assertEquals(0.3, partial / (double) n, 0.03);
    assertEquals(Set.copyOf(CaptionTemplate.PARTIAL), kinds);
    // held-out and validation pictures keep the FULL evaluation captions
    assertEquals(
        CaptionTemplate.FULL, ShapesDataset.of(0, Split.HELDOUT, 10, 0.3).get(3).template());
    // distillation pairs gain the partial meanings, the held-out pairs do not
    List<CaptionPair> pairs = mixed.captionPairs();
    assertTrue(
        pairs.stream()
            .anyMatch(
                p ->
                    p.language() == Language.DE
                        && p.english().equals("blue")
                        && p.text().equals("blau")));
    assertEquals(original.captionPairs(), pairs.subList(0, original.captionPairs().size()));
    assertEquals(
        ShapesDataset.of(0, Split.HELDOUT).captionPairs(),
        ShapesDataset.of(0, Split.HELDOUT, 480, 0.3).captionPairs());
    assertThrows(IllegalArgumentException.class, () -> ShapesDataset.of(0, Split.TRAIN, 10, 1.5));
  }

  private static String resource(String name) throws Exception {
    try (InputStream in = PartialCaptionsTest.class.getClassLoader().getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
