package org.altdiffusion.tiny.eval;

import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.DiffusersLayout;
import org.altdiffusion.models.text.RobertaSeriesModelWithTransformation;
import org.altdiffusion.models.text.TextConditioning;
import org.altdiffusion.pipeline.PipelineLoader;
import org.altdiffusion.tiny.clip.TinyClip;
import org.altdiffusion.tokenizer.PromptTokenizer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * The multilingual CLIP used to score generated pictures, built as AltCLIP is: the teacher's image
 * tower and text projection, with the distilled multilingual student in place of the teacher's text
 * tower (its projected [CLS] vector was trained to equal the teacher's pooled vector). The score of
 * a picture and a caption is CLIPScore's {@code 100 * max(cos, 0)}.
 */
public final class MultilingualClip {
  private final TinyClip teacher;
  private final RobertaSeriesModelWithTransformation student;
  private final TextConditioning text;

  public MultilingualClip(
      TinyClip teacher, RobertaSeriesModelWithTransformation student, PromptTokenizer tokenizer) {
    if (student.hiddenSize() != teacher.config().text().hiddenSize()) {
      throw new IllegalArgumentException(
          "the student projects to "
              + student.hiddenSize()
              + " values but the teacher's pooled vector has "
              + teacher.config().text().hiddenSize());
    }
    this.teacher = teacher;
    this.student = student;
    this.text = new TextConditioning(tokenizer, student, true);
  }

  /**
   * Teacher folder (TinyClip) + an AltDiffusion model folder whose text_encoder/ and tokenizer/ are
   * the student.
   */
  public static MultilingualClip load(Path teacherFolder, Path altDiffusionFolder) {
    String encoder = DiffusersLayout.open(altDiffusionFolder).component("text_encoder").className();
    if (!encoder.equals("RobertaSeriesModelWithTransformation")) {
      throw new CheckpointException(
          altDiffusionFolder.resolve("model_index.json"),
          "the scoring text tower is the multilingual student, so this must be an AltDiffusion"
              + " folder (text_encoder RobertaSeriesModelWithTransformation), not "
              + encoder);
    }
    TextConditioning text = PipelineLoader.text(altDiffusionFolder);
    return new MultilingualClip(
        TinyClip.load(teacherFolder),
        (RobertaSeriesModelWithTransformation) text.encoder(),
        text.tokenizer());
  }

  /** The teacher (English CLIP) whose image tower this scorer shares. */
  public TinyClip teacher() {
    return teacher;
  }

  /**
   * CLIP scores of picture i with caption i.
   *
   * @param pixels [B, 3, 64, 64] floats in [-1, 1]
   */
  public double[] scores(float[] pixels, List<String> captions) {
    int b = captions.size();
    try (PointerScope scope = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      Tensor images = teacher.encodeImage(Tensors.fromFloats(pixels, b, 3, 64, 64)); // [B, D] unit
      // AltCLIP pools its text tower with the padding mask, whatever the pipeline passes the UNet
      TextConditioning.Tokens tokens = text.tokenize(captions, text.maxLength());
      Tensor pooled = student.pooled(tokens.ids(), tokens.mask()); // [B, hidden]
      Tensor texts = teacher.projectPooledText(pooled); // [B, D] unit
      float[] cos =
          Tensors.toFloats(
              images
                  .mul(texts)
                  .sum(
                      new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional())); // [B]
      double[] out = new double[b];
      for (int i = 0; i < b; i++) out[i] = 100 * Math.max(cos[i], 0);
      return out;
    }
  }
}
