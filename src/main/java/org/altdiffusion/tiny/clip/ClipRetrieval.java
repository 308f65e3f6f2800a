package org.altdiffusion.tiny.clip;

import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.tiny.data.Attributes;
import org.altdiffusion.tiny.data.CaptionTemplate;
import org.altdiffusion.tiny.data.Captions;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.Sample;
import org.altdiffusion.tiny.data.Scene;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Split;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Attribute-level retrieval accuracy of a teacher CLIP, the measure of whether its embeddings (and
 * so the pooled text vector behind them) carry colour, shape, position and size:
 *
 * <ul>
 *   <li>image -> text: each picture against the FULL English captions of all 400 combinations; does
 *       the best caption name the picture's shape, colour, position, size (each, and all four)?
 *   <li>text -> image: each FULL caption of a set of combinations against a gallery of pictures
 *       (held-out and validation ones); does the best picture show what the caption says?
 * </ul>
 *
 * On HELDOUT pictures and captions this tests combinations the teacher never saw (the 48 held-out
 * ones); on VALIDATION, training combinations in new renderings.
 */
public final class ClipRetrieval {
  private static final int BATCH = 128;

  private ClipRetrieval() {}

  /**
   * Accuracy per attribute and of all four at once.
   *
   * @param queries how many queries were ranked
   */
  public record Accuracy(
      int queries, double shape, double colour, double position, double size, double all) {
    @Override
    public String toString() {
      return String.format(
          "all four %.1f%% (shape %.1f%%, colour %.1f%%, position %.1f%%, size %.1f%%) over %d",
          100 * all, 100 * shape, 100 * colour, 100 * position, 100 * size, queries);
    }
  }

  /**
   * @param heldOutImageToText held-out pictures (48 combinations x repeats) against all 400
   *     captions
   * @param heldOutTextToImage the 48 held-out captions against the held-out + validation gallery
   * @param validationImageToText validation pictures (training combinations) against all 400
   *     captions
   * @param validationTextToImage the 352 training combinations' captions against the same gallery
   */
  public record Report(
      Accuracy heldOutImageToText,
      Accuracy heldOutTextToImage,
      Accuracy validationImageToText,
      Accuracy validationTextToImage) {
    @Override
    public String toString() {
      return "held-out image->text: "
          + heldOutImageToText
          + "\nheld-out text->image: "
          + heldOutTextToImage
          + "\nvalidation image->text: "
          + validationImageToText
          + "\nvalidation text->image: "
          + validationTextToImage;
    }
  }

  /**
   * The four measures for {@code dataSeed}'s splits, with {@code heldOut} and {@code validation}
   * pictures.
   */
  public static Report evaluate(TinyClip clip, long dataSeed, int heldOut, int validation) {
    ShapesDataset held = ShapesDataset.of(dataSeed, Split.HELDOUT, heldOut);
    ShapesDataset valid = ShapesDataset.of(dataSeed, Split.VALIDATION, validation);
    List<Attributes> all = Attributes.all();
    Captions captions = Captions.bundled();
    List<String> texts = new ArrayList<>();
    for (Attributes a : all) texts.add(captions.caption(Language.EN, a, CaptionTemplate.FULL));
    try (PointerScope scope = new PointerScope()) {
      float[] textEmbeds = Tensors.toFloats(encodeTexts(clip, texts));
      List<Attributes> galleryAttributes = new ArrayList<>();
      float[] heldImages = encodeImages(clip, held, galleryAttributes);
      int heldCount = galleryAttributes.size();
      float[] validImages = encodeImages(clip, valid, galleryAttributes);
      float[] gallery = concat(heldImages, validImages);
      int dim = clip.config().projectionDim();
      Accuracy heldI2T =
          imageToText(heldImages, galleryAttributes.subList(0, heldCount), textEmbeds, all, dim);
      Accuracy validI2T =
          imageToText(
              validImages,
              galleryAttributes.subList(heldCount, galleryAttributes.size()),
              textEmbeds,
              all,
              dim);
      Accuracy heldT2I =
          textToImage(held.combinations().heldOut(), textEmbeds, gallery, galleryAttributes, dim);
      Accuracy validT2I =
          textToImage(valid.combinations().training(), textEmbeds, gallery, galleryAttributes, dim);
      return new Report(heldI2T, heldT2I, validI2T, validT2I);
    }
  }

  private static Tensor encodeTexts(TinyClip clip, List<String> texts) {
    List<Tensor> parts = new ArrayList<>();
    for (int i = 0; i < texts.size(); i += BATCH)
      parts.add(clip.encodeText(texts.subList(i, Math.min(texts.size(), i + BATCH))));
    return org.bytedeco.pytorch.global.torch.cat(
        new org.bytedeco.pytorch.TensorVector(parts.toArray(new Tensor[0])), 0);
  }

  /**
   * Embeddings of every picture of {@code data}, row after row; their attributes appended to {@code
   * attributes}.
   */
  private static float[] encodeImages(
      TinyClip clip, ShapesDataset data, List<Attributes> attributes) {
    int dim = clip.config().projectionDim();
    float[] out = new float[data.size() * dim];
    for (int from = 0; from < data.size(); from += BATCH) {
      List<Sample> batch = data.stream(from, Math.min(data.size(), from + BATCH), true).toList();
      for (Sample s : batch) attributes.add(s.attributes());
      try (PointerScope scope = new PointerScope()) {
        Tensor pixels =
            Tensors.fromFloats(Sample.stack(batch), batch.size(), 3, Scene.SIDE, Scene.SIDE);
        float[] e = Tensors.toFloats(clip.encodeImage(pixels));
        System.arraycopy(e, 0, out, from * dim, e.length);
      }
    }
    return out;
  }

  private static Accuracy imageToText(
      float[] images, List<Attributes> shown, float[] texts, List<Attributes> said, int dim) {
    Tally t = new Tally();
    for (int i = 0; i < shown.size(); i++)
      t.add(shown.get(i), said.get(best(images, i, texts, said.size(), dim)));
    return t.accuracy();
  }

  private static Accuracy textToImage(
      List<Attributes> queries, float[] texts, float[] gallery, List<Attributes> shown, int dim) {
    Tally t = new Tally();
    for (Attributes q : queries)
      t.add(q, shown.get(best(texts, q.index(), gallery, shown.size(), dim)));
    return t.accuracy();
  }

  /**
   * Index of the row of {@code candidates} (count rows of dim) with the largest dot product with
   * row {@code row} of {@code queries}.
   */
  private static int best(float[] queries, int row, float[] candidates, int count, int dim) {
    int best = -1;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < count; c++) {
      double s = 0;
      for (int d = 0; d < dim; d++) s += queries[row * dim + d] * candidates[c * dim + d];
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    return best;
  }

  private static float[] concat(float[] a, float[] b) {
    float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static final class Tally {
    int n;
    int shape;
    int colour;
    int position;
    int size;
    int all;

    void add(Attributes truth, Attributes found) {
      n++;
      shape += truth.shape() == found.shape() ? 1 : 0;
      colour += truth.colour() == found.colour() ? 1 : 0;
      position += truth.position() == found.position() ? 1 : 0;
      size += truth.size() == found.size() ? 1 : 0;
      all += truth.equals(found) ? 1 : 0;
    }

    Accuracy accuracy() {
      double d = Math.max(1, n);
      return new Accuracy(n, shape / d, colour / d, position / d, size / d, all / d);
    }
  }
}
