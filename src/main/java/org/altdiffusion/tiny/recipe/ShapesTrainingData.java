package org.altdiffusion.tiny.recipe;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.altdiffusion.image.CenterCrop;
import org.altdiffusion.tiny.data.CaptionPair;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.Sample;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Split;
import org.altdiffusion.tiny.data.Stripes;
import org.altdiffusion.train.data.Dataset;
import org.altdiffusion.train.data.GeneratedImageText;
import org.altdiffusion.train.data.ImageText;
import org.altdiffusion.train.data.ParallelText;
import org.altdiffusion.train.data.TextPair;

/**
 * The synthetic shapes dataset as training data: image-text pairs for the UNet and VAE stages,
 * parallel captions for text-encoder distillation, and {@link #SOURCE}, which lets a data
 * specification name it ({@code shapes[:SEED]}, see {@link
 * org.altdiffusion.train.data.ImageTextSources#open}).
 */
public final class ShapesTrainingData {
  /**
   * {@code shapes[:SEED[:PARTIAL[:PICTURES]]]}: the training split, captions in all 18 languages
   * (seed 0 by default), a share PARTIAL (0..1, default 0) of them partial captions, its first
   * PICTURES pictures (default all 17,600).
   */
  public static final GeneratedImageText SOURCE =
      new GeneratedImageText() {
        @Override
        public String name() {
          return "shapes";
        }

        @Override
        public String syntax() {
          return "shapes[:SEED[:PARTIAL[:PICTURES]]]";
        }

        @Override
        public Dataset<ImageText> open(String argument, int resolution) {
          String[] parts = argument == null ? new String[0] : argument.split(":", -1);
          if (parts.length > 3)
            throw new IllegalArgumentException(
                "shapes:" + argument + ": expected shapes[:SEED[:PARTIAL[:PICTURES]]]");
          long seed = parts.length > 0 ? number(parts[0], "SEED", Long::parseLong) : 0;
          double share = parts.length > 1 ? number(parts[1], "PARTIAL", Double::parseDouble) : 0;
          int full = ShapesDataset.of(seed, Split.TRAIN).size();
          int pictures = parts.length > 2 ? number(parts[2], "PICTURES", Integer::parseInt) : full;
          if (pictures < 1 || pictures > full)
            throw new IllegalArgumentException(
                "shapes: PICTURES must be 1.." + full + ", got " + pictures);
          return imageText(seed, pictures, resolution, List.of(Language.values()), false, share);
        }
      };

  /**
   * {@code shapes-striped[:SEED]}: the same pictures and captions with the background in stripes
   * ({@link Stripes}), the demo LoRA's training data.
   */
  public static final GeneratedImageText STRIPED_SOURCE =
      new GeneratedImageText() {
        @Override
        public String name() {
          return "shapes-striped";
        }

        @Override
        public String syntax() {
          return "shapes-striped[:SEED]";
        }

        @Override
        public Dataset<ImageText> open(String argument, int resolution) {
          long seed = argument == null ? 0 : Long.parseLong(argument.trim());
          return imageText(
              seed,
              ShapesDataset.of(seed, Split.TRAIN).size(),
              resolution,
              List.of(Language.values()),
              true);
        }
      };

  private ShapesTrainingData() {}

  private static <T> T number(
      String text, String what, java.util.function.Function<String, T> parse) {
    try {
      return parse.apply(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "shapes: "
              + what
              + " '"
              + text
              + "' is not a number (shapes[:SEED[:PARTIAL[:PICTURES]]])");
    }
  }

  /** The training split with captions in all 18 languages (see the overload). */
  public static Dataset<ImageText> imageText(long seed, int resolution) {
    return imageText(
        seed, ShapesDataset.of(seed, Split.TRAIN).size(), resolution, List.of(Language.values()));
  }

  /**
   * The first {@code pictures} of the shapes dataset's training split as image-text pairs, the
   * 64x64 picture resized to {@code resolution}. Sample i shows combination {@code i mod n} (n
   * training combinations) and gets its caption in language {@code (i + i / n) mod L}: every
   * language equally often, and each combination in every language (plain {@code i mod L} would
   * pair a combination with only the languages congruent to it modulo gcd(n, L)).
   */
  public static Dataset<ImageText> imageText(
      long seed, int pictures, int resolution, List<Language> languages) {
    return imageText(seed, pictures, resolution, languages, false);
  }

  /** As above; {@code striped}: the pictures drawn on striped backgrounds ({@link Stripes}). */
  public static Dataset<ImageText> imageText(
      long seed, int pictures, int resolution, List<Language> languages, boolean striped) {
    return imageText(seed, pictures, resolution, languages, striped, 0);
  }

  /**
   * As above; {@code partialShare}: the share of partial captions ({@link ShapesDataset}; 0: the
   * original captions, bit for bit).
   */
  public static Dataset<ImageText> imageText(
      long seed,
      int pictures,
      int resolution,
      List<Language> languages,
      boolean striped,
      double partialShare) {
    if (languages.isEmpty())
      throw new IllegalArgumentException("at least one caption language is required");
    ShapesDataset data = ShapesDataset.of(seed, Split.TRAIN, pictures, partialShare);
    int combinations = data.combinationOrder().size();
    String languageList =
        languages.size() == Language.values().length
            ? languages.size() + " languages"
            : languages.stream().map(Language::code).collect(Collectors.joining(","));
    return new Dataset<>() {
      @Override
      public int size() {
        return data.size();
      }

      @Override
      public ImageText get(int index) {
        Sample s = data.get(index);
        java.awt.image.BufferedImage image = striped ? Stripes.render(s.scene()) : s.image();
        float[] pixels =
            striped || resolution != image.getWidth()
                ? CenterCrop.pixels(image, resolution)
                : s.pixels();
        Language language = languages.get((index + index / combinations) % languages.size());
        return new ImageText(
            pixels,
            resolution,
            s.caption(language),
            (striped ? "shapes-striped#" : "shapes#") + index);
      }

      @Override
      public String describe() {
        return (striped ? "striped " : "")
            + "shapes dataset (seed "
            + seed
            + "): "
            + data.size()
            + " pictures, captions in "
            + languageList
            + (partialShare > 0
                ? String.format(java.util.Locale.ROOT, ", %.0f%% partial", 100 * partialShare)
                : "");
      }
    };
  }

  /**
   * The training split's caption pairs (English with each language, English-English included) as
   * parallel text for text-encoder distillation.
   */
  public static ParallelText parallelText(long seed) {
    return parallelText(seed, 0);
  }

  /** As above, with the partial meanings when {@code partialShare > 0}. */
  public static ParallelText parallelText(long seed, double partialShare) {
    ShapesDataset train = ShapesDataset.of(seed, Split.TRAIN);
    List<TextPair> pairs = new ArrayList<>();
    for (CaptionPair p :
        ShapesDataset.of(seed, Split.TRAIN, train.size(), partialShare).captionPairs())
      pairs.add(new TextPair(p.english(), p.text(), p.language().code()));
    return ParallelText.of(
        pairs,
        "shapes dataset (seed " + seed + (partialShare > 0 ? ", partial captions" : "") + ")");
  }
}
