package org.altdiffusion.tiny.eval;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import java.util.function.ToIntFunction;
import org.altdiffusion.tiny.data.CaptionTemplate;
import org.altdiffusion.tiny.data.Captions;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.eval.NegativePromptEvaluation.Attribute;
import org.altdiffusion.tiny.eval.NegativePromptEvaluation.Case;
import org.altdiffusion.tiny.eval.NegativePromptEvaluation.Result;
import org.altdiffusion.tiny.eval.NegativePromptEvaluation.Row;

/** Writes {@link NegativePromptEvaluation}'s results: a Markdown section, a chart, a figure. */
public final class NegativePromptReport {
  private static final List<Color> SERIES =
      List.of(new Color(0x2B6CB0), new Color(0x90CDF4), new Color(0x38A169), new Color(0xDD6B20));

  private NegativePromptReport() {}

  /** The section of eval.md: a row per language, the mean, the avoidance per attribute. */
  public static String markdown(
      String model, Result result, NegativePromptEvaluation.Options options) {
    StringBuilder b = new StringBuilder("\n## Negative and short prompts (").append(model);
    b.append(")\n\n");
    b.append(
        "| language | negative: avoided | others right | both | short prompt honoured | full +"
            + " negative: all four |\n|---|---:|---:|---:|---:|---:|\n");
    List<Row> rows = result.rows();
    for (Row r : rows) {
      b.append("| ").append(r.language().code()).append(' ').append(r.language().englishName());
      b.append(" |")
          .append(pct(r.percent(r.avoided())))
          .append(pct(r.percent(r.othersRight())))
          .append(pct(r.percent(r.both())))
          .append(pct(r.percent(r.shortHonoured())))
          .append(pct(r.percent(r.fullRight())))
          .append('\n');
    }
    b.append("| **mean** |")
        .append(pct(mean(rows, Row::avoided)))
        .append(pct(mean(rows, Row::othersRight)))
        .append(pct(mean(rows, Row::both)))
        .append(pct(mean(rows, Row::shortHonoured)))
        .append(pct(mean(rows, Row::fullRight)))
        .append("\n\n");
    b.append("Avoided, by the attribute the negative prompt names (all languages):");
    for (Attribute a : Attribute.values()) {
      int avoided = rows.stream().mapToInt(r -> r.avoidedByAttribute()[a.ordinal()]).sum();
      int cases = rows.stream().mapToInt(r -> r.casesByAttribute()[a.ordinal()]).sum();
      b.append(
          String.format(
              Locale.ROOT,
              " %s %.1f%% (%d)%s",
              a.key(),
              cases == 0 ? Double.NaN : 100.0 * avoided / cases,
              cases,
              a.ordinal() < Attribute.values().length - 1 ? "," : ".\n\n"));
    }
    Case example = firstOf(result.cases(), Attribute.COLOUR);
    Captions captions = Captions.bundled();
    b.append(
        String.format(
            Locale.ROOT,
            "%d cases x %d languages, three 64x64 pictures per case (seeds %d..%d, the same in"
                + " every language), %d steps, guidance %s. Each case is a held-out combination and"
                + " one of its attributes. *Negative*: a prompt that leaves the attribute open with"
                + " a negative prompt naming the combination's value of it",
            options.cases(),
            options.languages().size(),
            options.seed(),
            options.seed() + options.cases() - 1,
            options.steps(),
            options.guidance()));
    if (example != null)
      b.append(" (\"")
          .append(
              captions.caption(Language.EN, example.combination(), example.attribute().without()))
          .append("\" with negative \"")
          .append(captions.caption(Language.EN, example.combination(), CaptionTemplate.COLOUR))
          .append("\")");
    b.append(
        "; avoided: the oracle reads another value; others right: the three said attributes"
            + " right; both: the two at once. *Short*: the attribute alone as a bare word, honoured"
            + " when the picture shows it. *Full + negative*: the full caption with a negative"
            + " prompt naming another value of the attribute");
    if (example != null)
      b.append(" (\"")
          .append(captions.caption(Language.EN, example.combination(), CaptionTemplate.FULL))
          .append("\" with negative \"")
          .append(captions.caption(Language.EN, example.other(), CaptionTemplate.COLOUR))
          .append("\")");
    b.append(
        ": all four attributes right. Pictures where the oracle finds no shape count as"
            + " wrong.\n\n");
    b.append("![Negative and short prompts per language](negative-prompts.png)\n\n");
    b.append(
        "![Examples: per case the negative, short and full + negative pictures]"
            + "(negative-examples.png)\n");
    return b.toString();
  }

  /** Bars per language: avoided and others right (both at once), short, full + negative. */
  public static BufferedImage chart(String model, Result result, List<Language> languages) {
    double[][] v = new double[4][languages.size()];
    for (int li = 0; li < languages.size(); li++) {
      Row r = result.row(languages.get(li));
      v[0][li] = r.percent(r.both());
      v[1][li] = r.percent(r.avoided());
      v[2][li] = r.percent(r.shortHonoured());
      v[3][li] = r.percent(r.fullRight());
    }
    return EvalReport.groupedBars(
        model + ": negative and short prompts per language (dashed: 90%)",
        List.of(
            "negative: avoided + others right",
            "negative: avoided",
            "short prompt honoured",
            "full + negative: all four"),
        SERIES,
        languages,
        v);
  }

  /**
   * A row per language; per example case three pictures under its combination, the value the
   * negative and short prompts name and the other value: the prompt leaving the attribute open with
   * the named value as negative, the named value alone, the full caption with the other value as
   * negative.
   */
  public static BufferedImage examples(Result result, List<Language> languages) {
    List<Integer> shown = NegativePromptEvaluation.exampleIndices(result.cases().size());
    int cell = 64, gap = 4, caseGap = 14, left = 34, top = 44;
    int caseWidth = 3 * cell + 2 * gap + caseGap;
    BufferedImage img =
        new BufferedImage(
            left + shown.size() * caseWidth,
            top + languages.size() * (cell + gap + 6),
            BufferedImage.TYPE_INT_RGB);
    Graphics2D g = EvalReport.canvas(img);
    g.setColor(Color.BLACK);
    for (int k = 0; k < shown.size(); k++) {
      Case c = result.cases().get(shown.get(k));
      int x = left + k * caseWidth;
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 10));
      g.drawString(c.combination().toString(), x + 1, 12);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
      g.drawString("named: " + named(c) + "; other: " + other(c), x + 1, 24);
      g.drawString("open, -named", x + 1, 38);
      g.drawString("named only", x + cell + gap + 1, 38);
      g.drawString("full, -other", x + 2 * (cell + gap) + 1, 38);
    }
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
    for (int r = 0; r < languages.size(); r++) {
      int y = top + r * (cell + gap + 6);
      g.drawString(languages.get(r).code(), 6, y + cell / 2 + 4);
      List<BufferedImage[]> row =
          result.examples().get(result.rows().indexOf(result.row(languages.get(r))));
      for (int k = 0; k < shown.size(); k++)
        for (int p = 0; p < 3; p++)
          g.drawImage(row.get(k)[p], left + k * caseWidth + p * (cell + gap), y, null);
    }
    g.dispose();
    return img;
  }

  private static String named(Case c) {
    return Captions.bundled().caption(Language.EN, c.combination(), c.attribute().bare());
  }

  private static String other(Case c) {
    return Captions.bundled().caption(Language.EN, c.other(), c.attribute().bare());
  }

  private static Case firstOf(List<Case> cases, Attribute attribute) {
    return cases.stream().filter(c -> c.attribute() == attribute).findFirst().orElse(null);
  }

  private static double mean(List<Row> rows, ToIntFunction<Row> count) {
    return rows.stream().mapToDouble(r -> r.percent(count.applyAsInt(r))).average().orElse(0);
  }

  private static String pct(double v) {
    return String.format(Locale.ROOT, " %.1f%% |", v);
  }
}
