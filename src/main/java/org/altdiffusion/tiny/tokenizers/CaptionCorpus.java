package org.altdiffusion.tiny.tokenizers;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.altdiffusion.tiny.data.Attributes;
import org.altdiffusion.tiny.data.CaptionPair;
import org.altdiffusion.tiny.data.CaptionTemplate;
import org.altdiffusion.tiny.data.Captions;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Split;

/**
 * The caption texts the tiny tokenizers are trained and checked on. Training uses the captions of
 * the TRAIN split only (every meaning of the training combinations, see {@link
 * ShapesDataset#captionPairs()}), so the held-out FULL captions stay unseen; checks use every
 * caption of every combination, template and language.
 */
public final class CaptionCorpus {
  private CaptionCorpus() {}

  /** The distinct training captions of all 18 languages, in caption-pair order. */
  public static List<String> multilingual(long seed) {
    return multilingual(seed, 0);
  }

  /** As above, partial captions included when {@code partialShare > 0}. */
  public static List<String> multilingual(long seed, double partialShare) {
    Set<String> out = new LinkedHashSet<>();
    for (CaptionPair p : pairs(seed, partialShare)) out.add(p.text());
    return List.copyOf(out);
  }

  /** The distinct English training captions (the teacher's corpus), in caption-pair order. */
  public static List<String> english(long seed) {
    return english(seed, 0);
  }

  /** As above, partial captions included when {@code partialShare > 0}. */
  public static List<String> english(long seed, double partialShare) {
    Set<String> out = new LinkedHashSet<>();
    for (CaptionPair p : pairs(seed, partialShare)) out.add(p.english());
    return List.copyOf(out);
  }

  private static List<CaptionPair> pairs(long seed, double partialShare) {
    ShapesDataset train = ShapesDataset.of(seed, Split.TRAIN);
    return ShapesDataset.of(seed, Split.TRAIN, train.size(), partialShare).captionPairs();
  }

  /** One caption of the dataset with where it comes from. */
  public record Caption(
      Language language, CaptionTemplate template, Attributes attributes, String text) {}

  /**
   * Every caption the dataset can produce: each of the 400 combinations, said with each template
   * (meanings a template cannot tell apart counted once), in each language. Independent of the
   * seed.
   */
  public static List<Caption> everyCaption() {
    return everyCaption(false);
  }

  /** As above; {@code partial}: the partial captions' meanings too. */
  public static List<Caption> everyCaption(boolean partial) {
    Captions captions = Captions.bundled();
    List<Caption> out = new ArrayList<>();
    List<CaptionTemplate> templates =
        partial ? List.of(CaptionTemplate.values()) : CaptionTemplate.COMPLETE;
    for (Language l : Language.values()) {
      for (CaptionTemplate t : templates) {
        Set<Attributes> meanings = new LinkedHashSet<>();
        for (Attributes a : Attributes.all()) meanings.add(t.project(a));
        for (Attributes m : meanings) out.add(new Caption(l, t, m, captions.caption(l, m, t)));
      }
    }
    return out;
  }
}
