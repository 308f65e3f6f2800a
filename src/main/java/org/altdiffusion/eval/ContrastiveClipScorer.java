package org.altdiffusion.eval;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.image.ClipImageProcessor;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.models.clip.AltClipModel;
import org.altdiffusion.models.clip.ClipModel;
import org.altdiffusion.models.clip.ContrastiveModel;
import org.altdiffusion.tokenizer.Encoding;
import org.altdiffusion.tokenizer.PromptTokenizer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * CLIP scores with a transformers folder (AltCLIP for any language, CLIP for English): its
 * tokenizer, its {@code preprocessor_config.json} and the model; {@code 100 * max(cos, 0)} as
 * torchmetrics' CLIPScore.
 */
public final class ContrastiveClipScorer implements ImageTextScorer {
  private final ContrastiveModel model;
  private final PromptTokenizer tokenizer;
  private final ClipImageProcessor processor;
  private final String name;

  public ContrastiveClipScorer(
      ContrastiveModel model,
      PromptTokenizer tokenizer,
      ClipImageProcessor processor,
      String name) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.processor = processor;
    this.name = name;
  }

  /** An AltCLIP or CLIP folder (config.json model_type altclip / clip). */
  public static ContrastiveClipScorer load(Path dir) {
    String type = JsonConfig.read(dir.resolve("config.json")).string("model_type", "");
    ContrastiveModel model =
        switch (type) {
          case "altclip" -> AltClipModel.fromPretrained(dir);
          case "clip" -> ClipModel.fromPretrained(dir);
          default ->
              throw new IllegalArgumentException(
                  dir + ": model_type '" + type + "'; a CLIP scorer is an altclip or clip folder");
        };
    Path pre = dir.resolve("preprocessor_config.json");
    ClipImageProcessor processor =
        Files.exists(pre)
            ? ClipImageProcessor.read(pre)
            : ClipImageProcessor.clip(model.imageSize());
    return new ContrastiveClipScorer(
        model, PromptTokenizer.load(dir), processor, dir.getFileName().toString());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public double[] scores(List<BufferedImage> images, List<String> captions) {
    int b = images.size();
    if (captions.size() != b)
      throw new IllegalArgumentException(b + " pictures but " + captions.size() + " captions");
    int h = processor.cropHeight();
    int w = processor.cropWidth();
    float[] pixels = new float[b * 3 * h * w];
    for (int i = 0; i < b; i++) {
      System.arraycopy(processor.pixelValues(images.get(i)), 0, pixels, i * 3 * h * w, 3 * h * w);
    }
    try (PointerScope s = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      List<Encoding> enc = tokenizer.encodeAll(captions);
      int t = enc.get(0).ids().length;
      Tensor ids = Tensors.fromLongs(Encoding.stackIds(enc), b, t);
      Tensor mask = Tensors.fromLongs(Encoding.stackAttentionMasks(enc), b, t);
      Tensor text = model.textEmbeds(ids, mask); // [B, P] unit
      Tensor image = model.imageEmbeds(Tensors.fromFloats(pixels, b, 3, h, w)); // [B, P] unit
      float[] cos =
          Tensors.toFloats(text.mul(image).sum(new long[] {1}, false, new ScalarTypeOptional()));
      double[] out = new double[b];
      for (int i = 0; i < b; i++) out[i] = 100 * Math.max(cos[i], 0);
      return out;
    }
  }
}
