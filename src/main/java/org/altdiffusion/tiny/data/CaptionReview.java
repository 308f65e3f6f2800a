package org.altdiffusion.tiny.data;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes {@code docs/tiny-captions-review.md}: every language's vocabulary, templates and full
 * tables of composed captions, for a human reviewer. The committed file is checked against this
 * generator by a test; regenerate with {@code altdiffusion dataset --review
 * docs/tiny-captions-review.md}.
 */
public final class CaptionReview {
  /** Rows of the size table: (size, colour) pairs covering both sizes and inflecting colours. */
  private static final List<Object[]> SIZE_ROWS =
      List.of(
          new Object[] {Size.SMALL, Colour.RED}, new Object[] {Size.LARGE, Colour.BLUE},
          new Object[] {Size.SMALL, Colour.BLACK}, new Object[] {Size.LARGE, Colour.YELLOW});

  /** FULL examples: every position, shape, colour and both sizes appear. */
  private static final List<Attributes> FULL_EXAMPLES =
      List.of(
          new Attributes(Shape.CIRCLE, Colour.RED, Position.LEFT, Size.SMALL),
          new Attributes(Shape.SQUARE, Colour.GREEN, Position.RIGHT, Size.LARGE),
          new Attributes(Shape.TRIANGLE, Colour.BLUE, Position.TOP, Size.SMALL),
          new Attributes(Shape.STAR, Colour.PURPLE, Position.BOTTOM, Size.LARGE),
          new Attributes(Shape.HEART, Colour.ORANGE, Position.CENTRE, Size.SMALL),
          new Attributes(Shape.STAR, Colour.YELLOW, Position.CENTRE, Size.SMALL),
          new Attributes(Shape.HEART, Colour.PINK, Position.TOP, Size.LARGE),
          new Attributes(Shape.CIRCLE, Colour.BLACK, Position.BOTTOM, Size.LARGE));

  private CaptionReview() {}

  public static String markdown(Captions captions) {
    StringBuilder md = new StringBuilder();
    md.append("# Tiny dataset captions: review tables\n\n");
    md.append(
        "Generated from `src/main/resources/tiny/captions/<lang>.json` by `CaptionReview` (do not"
            + " edit by hand;\n");
    md.append(
        "regenerate with `./altdiffusion dataset --review docs/tiny-captions-review.md`; a test"
            + " fails when this file is stale).\n\n");
    md.append(
        "Each language file holds the shape nouns with their gender, colour and size adjectives"
            + " (one form,\n");
    md.append(
        "or one per gender), position phrases, one template per meaning (word order) and regex"
            + " rewrites for\n");
    md.append(
        "sound-dependent forms. Position phrases are fixed adverbials in every language, so no"
            + " template\n");
    md.append(
        "needs a case other than the nominative; agreement is by gender (all nouns singular).\n\n");
    md.append(
        "Partial captions (issue 26) leave the shape or the colour open: without a shape, the"
            + " language's generic\n");
    md.append(
        "noun (`any_shape`) stands in the shape's place of the same template; a single attribute"
            + " is a bare word in\n");
    md.append(
        "its dictionary form (the `bare` form where one is given, else the `citation_gender`"
            + " form).\n\n");
    md.append("Meanings (templates): ");
    for (CaptionTemplate t : CaptionTemplate.values()) {
      md.append('`')
          .append(t.key())
          .append("` (\"")
          .append(captions.caption(Language.EN, FULL_EXAMPLES.get(0), t))
          .append("\")");
      md.append(t.ordinal() < CaptionTemplate.values().length - 1 ? ", " : ".\n\n");
    }
    md.append("Contents: ");
    md.append(
        String.join(
            " · ",
            java.util.Arrays.stream(Language.values())
                .map(
                    l ->
                        "["
                            + l.code()
                            + "](#"
                            + l.code()
                            + "-"
                            + l.englishName().toLowerCase(Locale.ROOT)
                            + ")")
                .toList()));
    md.append("\n");
    for (Language l : Language.values()) language(md, captions, l);
    return md.toString();
  }

  private static void language(StringBuilder md, Captions captions, Language language) {
    CaptionLexicon lex = captions.lexicon(language);
    md.append("\n## ")
        .append(language.code())
        .append(" ")
        .append(language.englishName())
        .append("\n\n");
    for (String note : lex.notes()) md.append("- ").append(note).append('\n');
    if (!lex.notes().isEmpty()) md.append('\n');

    md.append("| template | pattern |\n|---|---|\n");
    for (CaptionTemplate t : CaptionTemplate.values())
      if (t.hasOwnText())
        md.append("| ").append(t.key()).append(" | `").append(lex.templateText(t)).append("` |\n");
    if (!lex.rewriteRules().isEmpty()) {
      md.append("\nRewrites: ");
      md.append(String.join("; ", lex.rewriteRules().stream().map(r -> "`" + r + "`").toList()))
          .append(" (replacement shown after the arrow, spaces included)\n");
    }

    CaptionLexicon.Noun any = lex.anyShape();
    md.append("\nGeneric noun (`any_shape`): ")
        .append(any.noun())
        .append(any.gender() == null ? "" : " (" + any.gender() + ")")
        .append(any.properties().isEmpty() ? "" : " " + any.properties())
        .append(
            lex.citationGender() == null
                ? ""
                : "; dictionary forms of gender " + lex.citationGender() + " unless given")
        .append(".\n");

    md.append("\n| shape | noun | gender | other |\n|---|---|---|---|\n");
    for (Shape s : Shape.values()) {
      CaptionLexicon.Noun n = lex.noun(s);
      md.append("| ")
          .append(s.key())
          .append(" | ")
          .append(n.noun())
          .append(" | ")
          .append(n.gender() == null ? "-" : n.gender())
          .append(" | ");
      md.append(n.properties().isEmpty() ? "-" : n.properties().toString()).append(" |\n");
    }

    md.append("\n**colour + shape** (`colour_shape`)\n\n");
    header(md, "colour");
    for (Colour c : Colour.values()) {
      md.append("| ").append(c.key());
      for (Shape s : Shape.values())
        md.append(" | ")
            .append(
                captions.caption(
                    language,
                    new Attributes(s, c, Position.CENTRE, Size.SMALL),
                    CaptionTemplate.COLOUR_SHAPE));
      md.append(" |\n");
    }

    md.append("\n**size + colour + shape** (`size_colour_shape`)\n\n");
    header(md, "size, colour");
    for (Object[] row : SIZE_ROWS) {
      Size z = (Size) row[0];
      Colour c = (Colour) row[1];
      md.append("| ").append(z.key()).append(' ').append(c.key());
      for (Shape s : Shape.values())
        md.append(" | ")
            .append(
                captions.caption(
                    language,
                    new Attributes(s, c, Position.CENTRE, z),
                    CaptionTemplate.SIZE_COLOUR_SHAPE));
      md.append(" |\n");
    }

    md.append("\n**colour + shape + position** (`colour_shape_position`, red)\n\n");
    header(md, "position");
    for (Position p : Position.values()) {
      md.append("| ").append(p.key());
      for (Shape s : Shape.values())
        md.append(" | ")
            .append(
                captions.caption(
                    language,
                    new Attributes(s, Colour.RED, p, Size.SMALL),
                    CaptionTemplate.COLOUR_SHAPE_POSITION));
      md.append(" |\n");
    }

    partial(md, captions, language);

    md.append("\n**all four** (`full`)\n\n");
    if (language == Language.EN) {
      md.append("| English |\n|---|\n");
      for (Attributes a : FULL_EXAMPLES)
        md.append("| ").append(captions.caption(language, a, CaptionTemplate.FULL)).append(" |\n");
      return;
    }
    md.append("| English | ").append(language.englishName()).append(" |\n|---|---|\n");
    for (Attributes a : FULL_EXAMPLES) {
      Map<Language, String> all = captions.all(a, CaptionTemplate.FULL);
      md.append("| ")
          .append(all.get(Language.EN))
          .append(" | ")
          .append(all.get(language))
          .append(" |\n");
    }
  }

  /** The partial captions of four FULL examples, and the bare colour and size words. */
  private static void partial(StringBuilder md, Captions captions, Language language) {
    List<Attributes> examples = FULL_EXAMPLES.subList(0, 4);
    md.append("\n**partial captions**\n\n| meaning");
    for (Attributes a : examples) md.append(" | ").append(a);
    md.append(" |\n|---");
    md.append("|---".repeat(examples.size())).append("|\n");
    for (CaptionTemplate t : CaptionTemplate.PARTIAL) {
      md.append("| ").append(t.key());
      for (Attributes a : examples) md.append(" | ").append(captions.caption(language, a, t));
      md.append(" |\n");
    }
    md.append("\nBare words: ");
    List<String> words = new java.util.ArrayList<>();
    for (Colour c : Colour.values())
      words.add(
          c.key()
              + " "
              + captions.caption(
                  language,
                  new Attributes(Shape.CIRCLE, c, Position.CENTRE, Size.SMALL),
                  CaptionTemplate.COLOUR));
    for (Size z : Size.values())
      words.add(
          z.key()
              + " "
              + captions.caption(
                  language,
                  new Attributes(Shape.CIRCLE, Colour.RED, Position.CENTRE, z),
                  CaptionTemplate.SIZE));
    md.append(String.join(" · ", words)).append("\n");
  }

  private static void header(StringBuilder md, String first) {
    md.append("| ").append(first);
    for (Shape s : Shape.values()) md.append(" | ").append(s.key());
    md.append(" |\n|---");
    for (int i = 0; i < Shape.values().length; i++) md.append("|---");
    md.append("|\n");
  }
}
