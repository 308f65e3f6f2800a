package org.altdiffusion.tiny.data;

import static org.junit.jupiter.api.Assertions.*;

import java.text.Normalizer;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CaptionsTest {
  private static final Captions CAPTIONS = Captions.bundled();
  private static final Attributes SMALL_RED_CIRCLE_LEFT =
      new Attributes(Shape.CIRCLE, Colour.RED, Position.LEFT, Size.SMALL);
  private static final Attributes LARGE_GREEN_STAR_TOP =
      new Attributes(Shape.STAR, Colour.GREEN, Position.TOP, Size.LARGE);
  private static final Attributes SMALL_BLUE_SQUARE_CENTRE =
      new Attributes(Shape.SQUARE, Colour.BLUE, Position.CENTRE, Size.SMALL);
  private static final Attributes LARGE_BLACK_HEART_BOTTOM =
      new Attributes(Shape.HEART, Colour.BLACK, Position.BOTTOM, Size.LARGE);

  /**
   * Reviewed translations of four FULL captions (masculine, feminine and neuter nouns, every
   * position but right).
   */
  private static final Map<Language, String[]> EXPECTED = new EnumMap<>(Language.class);

  static {
    EXPECTED.put(
        Language.EN,
        new String[] {
          "a small red circle on the left",
          "a large green star at the top",
          "a small blue square in the centre",
          "a large black heart at the bottom"
        });
    EXPECTED.put(
        Language.ZH, new String[] {"左边有一个红色的小圆形", "上方有一颗绿色的大五角星", "中间有一个蓝色的小正方形", "下方有一个黑色的大爱心"});
    EXPECTED.put(
        Language.JA, new String[] {"左側にある小さな赤い円", "上部にある大きな緑の星", "中央にある小さな青い正方形", "下部にある大きな黒いハート"});
    EXPECTED.put(
        Language.TH,
        new String[] {
          "รูปวงกลมสีแดงขนาดเล็กด้านซ้าย",
          "รูปดาวสีเขียวขนาดใหญ่ด้านบน",
          "รูปสี่เหลี่ยมจัตุรัสสีน้ำเงินขนาดเล็กตรงกลาง",
          "รูปหัวใจสีดำขนาดใหญ่ด้านล่าง"
        });
    EXPECTED.put(
        Language.KO,
        new String[] {"왼쪽에 있는 작은 빨간 원", "위쪽에 있는 큰 초록색 별", "가운데에 있는 작은 파란 정사각형", "아래쪽에 있는 큰 검은 하트"});
    EXPECTED.put(
        Language.HI,
        new String[] {
          "बाईं ओर एक छोटा लाल वृत्त",
          "ऊपर एक बड़ा हरा तारा",
          "बीच में एक छोटा नीला वर्ग",
          "नीचे एक बड़ा काला दिल"
        });
    EXPECTED.put(
        Language.UK,
        new String[] {
          "маленьке червоне коло ліворуч",
          "велика зелена зірка вгорі",
          "маленький синій квадрат у центрі",
          "велике чорне серце внизу"
        });
    EXPECTED.put(
        Language.AR,
        new String[] {
          "دائرة حمراء صغيرة على اليسار",
          "نجمة خضراء كبيرة في الأعلى",
          "مربع أزرق صغير في الوسط",
          "قلب أسود كبير في الأسفل"
        });
    EXPECTED.put(
        Language.TR,
        new String[] {
          "solda küçük kırmızı bir daire",
          "üstte büyük yeşil bir yıldız",
          "ortada küçük mavi bir kare",
          "altta büyük siyah bir kalp"
        });
    EXPECTED.put(
        Language.VI,
        new String[] {
          "một hình tròn nhỏ màu đỏ ở bên trái",
          "một ngôi sao lớn màu xanh lá cây ở phía trên",
          "một hình vuông nhỏ màu xanh dương ở chính giữa",
          "một hình trái tim lớn màu đen ở phía dưới"
        });
    EXPECTED.put(
        Language.PL,
        new String[] {
          "małe czerwone koło po lewej",
          "duża zielona gwiazda u góry",
          "mały niebieski kwadrat pośrodku",
          "duże czarne serce na dole"
        });
    EXPECTED.put(
        Language.NL,
        new String[] {
          "een kleine rode cirkel links",
          "een grote groene ster bovenaan",
          "een klein blauw vierkant in het midden",
          "een groot zwart hart onderaan"
        });
    EXPECTED.put(
        Language.PT,
        new String[] {
          "um círculo vermelho pequeno à esquerda",
          "uma estrela verde grande na parte de cima",
          "um quadrado azul pequeno no centro",
          "um coração preto grande na parte de baixo"
        });
    EXPECTED.put(
        Language.IT,
        new String[] {
          "un piccolo cerchio rosso a sinistra",
          "una grande stella verde in alto",
          "un piccolo quadrato blu al centro",
          "un grande cuore nero in basso"
        });
    EXPECTED.put(
        Language.ES,
        new String[] {
          "un círculo rojo pequeño a la izquierda",
          "una estrella verde grande arriba",
          "un cuadrado azul pequeño en el centro",
          "un corazón negro grande abajo"
        });
    EXPECTED.put(
        Language.DE,
        new String[] {
          "ein kleiner roter Kreis links",
          "ein großer grüner Stern oben",
          "ein kleines blaues Quadrat in der Mitte",
          "ein großes schwarzes Herz unten"
        });
    EXPECTED.put(
        Language.FR,
        new String[] {
          "un petit cercle rouge à gauche",
          "une grande étoile verte en haut",
          "un petit carré bleu au centre",
          "un grand cœur noir en bas"
        });
    EXPECTED.put(
        Language.RU,
        new String[] {
          "маленький красный круг слева",
          "большая зелёная звезда вверху",
          "маленький синий квадрат в центре",
          "большое чёрное сердце внизу"
        });
  }

  @Test
  void reviewedFullCaptionsInAllEighteenLanguages() {
    assertEquals(18, EXPECTED.size());
    Attributes[] examples = {
      SMALL_RED_CIRCLE_LEFT,
      LARGE_GREEN_STAR_TOP,
      SMALL_BLUE_SQUARE_CENTRE,
      LARGE_BLACK_HEART_BOTTOM
    };
    for (Language l : Language.values()) {
      for (int i = 0; i < examples.length; i++)
        assertEquals(
            EXPECTED.get(l)[i],
            CAPTIONS.caption(l, examples[i], CaptionTemplate.FULL),
            l + " " + examples[i]);
    }
  }

  @Test
  void agreementAndSoundRules() {
    Attributes orangeCircle =
        new Attributes(Shape.CIRCLE, Colour.ORANGE, Position.CENTRE, Size.SMALL);
    Attributes purpleStar = new Attributes(Shape.STAR, Colour.PURPLE, Position.RIGHT, Size.SMALL);
    Attributes yellowHeartTop =
        new Attributes(Shape.HEART, Colour.YELLOW, Position.TOP, Size.SMALL);
    Attributes redSquareTop = new Attributes(Shape.SQUARE, Colour.RED, Position.TOP, Size.LARGE);
    assertEquals(
        "an orange circle",
        CAPTIONS.caption(Language.EN, orangeCircle, CaptionTemplate.COLOUR_SHAPE));
    assertEquals(
        "a small orange circle",
        CAPTIONS.caption(Language.EN, orangeCircle, CaptionTemplate.SIZE_COLOUR_SHAPE));
    assertEquals(
        "une étoile violette à droite",
        CAPTIONS.caption(Language.FR, purpleStar, CaptionTemplate.COLOUR_SHAPE_POSITION));
    assertEquals(
        "una estrella morada pequeña",
        CAPTIONS.caption(Language.ES, purpleStar, CaptionTemplate.SIZE_COLOUR_SHAPE));
    assertEquals(
        "ein orangefarbener Kreis",
        CAPTIONS.caption(Language.DE, orangeCircle, CaptionTemplate.COLOUR_SHAPE));
    assertEquals(
        "een oranje cirkel",
        CAPTIONS.caption(Language.NL, orangeCircle, CaptionTemplate.COLOUR_SHAPE));
    assertEquals(
        "een klein geel hart bovenaan",
        CAPTIONS.caption(Language.NL, yellowHeartTop, CaptionTemplate.FULL));
    assertEquals(
        "маленьке жовте серце вгорі",
        CAPTIONS.caption(Language.UK, yellowHeartTop, CaptionTemplate.FULL));
    assertEquals(
        "великий червоний квадрат угорі",
        CAPTIONS.caption(Language.UK, redSquareTop, CaptionTemplate.FULL));
    assertEquals(
        "маленькое жёлтое сердце вверху",
        CAPTIONS.caption(Language.RU, yellowHeartTop, CaptionTemplate.FULL));
    assertEquals(
        "małe żółte serce u góry",
        CAPTIONS.caption(Language.PL, yellowHeartTop, CaptionTemplate.FULL));
    assertEquals(
        "نجمة بنفسجية صغيرة على اليمين",
        CAPTIONS.caption(Language.AR, purpleStar, CaptionTemplate.FULL));
    assertEquals(
        "एक छोटा पीला दिल",
        CAPTIONS.caption(Language.HI, yellowHeartTop, CaptionTemplate.SIZE_COLOUR_SHAPE));
    assertEquals(
        "一颗紫色的五角星", CAPTIONS.caption(Language.ZH, purpleStar, CaptionTemplate.COLOUR_SHAPE));
  }

  @Test
  void differentMeaningsNeverShareACaption() {
    for (Language l : Language.values()) {
      for (CaptionTemplate t : CaptionTemplate.values()) {
        Map<String, Attributes> seen = new HashMap<>();
        for (Attributes a : Attributes.all()) {
          Attributes meaning = t.project(a);
          Attributes before = seen.putIfAbsent(CAPTIONS.caption(l, a, t), meaning);
          assertTrue(
              before == null || before.equals(meaning),
              l
                  + " "
                  + t
                  + ": '"
                  + CAPTIONS.caption(l, a, t)
                  + "' says both "
                  + before
                  + " and "
                  + meaning);
        }
        int expected =
            (t.mentionsShape() ? 5 : 1)
                * (t.mentionsColour() ? 8 : 1)
                * (t.mentionsSize() ? 2 : 1)
                * (t.mentionsPosition() ? 5 : 1);
        assertEquals(expected, seen.size(), l + " " + t);
      }
    }
  }

  @Test
  void everyCaptionIsCleanTextInItsOwnScript() {
    Map<Language, Pattern> script = new EnumMap<>(Language.class);
    Pattern latin = Pattern.compile("[\\p{IsLatin} ]+");
    for (Language l :
        new Language[] {
          Language.EN,
          Language.TR,
          Language.VI,
          Language.PL,
          Language.NL,
          Language.PT,
          Language.IT,
          Language.ES,
          Language.DE,
          Language.FR
        }) script.put(l, latin);
    script.put(Language.ZH, Pattern.compile("\\p{IsHan}+"));
    script.put(Language.JA, Pattern.compile("[\\p{IsHan}\\p{IsHiragana}\\p{IsKatakana}ー]+"));
    script.put(Language.TH, Pattern.compile("\\p{IsThai}+"));
    script.put(Language.KO, Pattern.compile("[\\p{IsHangul} ]+"));
    script.put(Language.HI, Pattern.compile("[\\p{IsDevanagari} ]+"));
    script.put(Language.UK, Pattern.compile("[\\p{IsCyrillic} ]+"));
    script.put(Language.RU, Pattern.compile("[\\p{IsCyrillic} ]+"));
    script.put(Language.AR, Pattern.compile("[\\p{IsArabic} ]+"));
    Pattern ukrainianOnly = Pattern.compile("[ієїґ]");
    for (Language l : Language.values()) {
      for (Attributes a : Attributes.all()) {
        for (CaptionTemplate t : CaptionTemplate.values()) {
          String c = CAPTIONS.caption(l, a, t);
          assertTrue(
              script.get(l).matcher(c).matches(), l + ": unexpected characters in '" + c + "'");
          assertEquals(Normalizer.normalize(c, Normalizer.Form.NFC), c, l + ": not NFC: " + c);
          assertFalse(
              c.contains("  ") || c.startsWith(" ") || c.endsWith(" "),
              l + ": stray spaces in '" + c + "'");
          if (l == Language.RU)
            assertFalse(ukrainianOnly.matcher(c).find(), "Ukrainian letter in Russian: " + c);
        }
      }
    }
  }

  @Test
  void badDataIsRejectedWithFileAndField() {
    String fr = resource("fr");
    assertProblem(
        "tiny/captions/fr.json: colours.green: no form for gender 'f' (has: m)",
        fr.replace(
            "\"green\": {\"m\": \"vert\", \"f\": \"verte\"}", "\"green\": {\"m\": \"vert\"}"));
    assertProblem(
        "tiny/captions/fr.json: templates.full: must use [shape, colour, size, position] once each,"
            + " uses {shape=1, colour=1, position=1}",
        fr.replace(
            "\"full\": \"{a} {size} {shape} {colour} {position}\"",
            "\"full\": \"{a} {shape} {colour} {position}\""));
    assertProblem(
        "tiny/captions/fr.json: templates.full: unknown slot {the}; accepted: [shape, colour, size,"
            + " position], {shape.PROPERTY}, words [a]",
        fr.replace("\"full\": \"{a} {size}", "\"full\": \"{the} {size}"));
    assertProblem(
        "tiny/captions/fr.json: shapes.star.gender: 'x' is not one of the declared genders [m, f]",
        fr.replace(
            "\"noun\": \"étoile\", \"gender\": \"f\"", "\"noun\": \"étoile\", \"gender\": \"x\""));
    assertProblem(
        "tiny/captions/fr.json: sizes: missing 'large'",
        fr.replace(",\n    \"large\": {\"m\": \"grand\", \"f\": \"grande\"}", ""));
    CaptionDataException dup =
        assertThrows(
            CaptionDataException.class,
            () ->
                CaptionLexicon.parse(
                    Language.FR,
                    "tiny/captions/fr.json",
                    fr.replace("\"red\": \"rouge\",", "\"red\": \"rouge\", \"red\": \"rouges\",")));
    assertTrue(
        dup.getMessage().startsWith("tiny/captions/fr.json: not valid JSON: Duplicate field 'red'"),
        dup.getMessage());
    assertProblem("tiny/captions/fr.json: language is 'fr', expected 'de'", fr, Language.DE);
  }

  private static void assertProblem(String message, String json) {
    assertProblem(message, json, Language.FR);
  }

  private static void assertProblem(String message, String json, Language language) {
    CaptionDataException e =
        assertThrows(
            CaptionDataException.class,
            () -> CaptionLexicon.parse(language, "tiny/captions/fr.json", json));
    assertEquals(message, e.getMessage());
  }

  private static String resource(String code) {
    try (var in =
        CaptionsTest.class
            .getClassLoader()
            .getResourceAsStream("tiny/captions/" + code + ".json")) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
