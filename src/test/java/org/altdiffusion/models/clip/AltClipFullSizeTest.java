package org.altdiffusion.models.clip;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.io.Npz;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * AltCLIPModel at AltCLIP-m18's size (XLM-R large, ViT-L/14) with random weights
 * (make_altclip_fullsize_fixtures.py): embeddings and logits within 1e-4 of transformers 4.44.2.
 * About 3.5 GB of weights.
 */
@Tag("slow")
class AltClipFullSizeTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/clip/fullsize");

  @Test
  void equalsTransformersAtFullSize() throws Exception {
    JsonConfig config = JsonConfig.read(DIR.resolve("config.json"));
    AltClipModel model =
        new AltClipModel(
            AltClipTextModel.from(config),
            ClipVisionConfig.from(config),
            config.integer("projection_dim", 768));
    try {
      model.load(weights());
      Map<String, Npz.Array> out = Npz.read(DIR.resolve("outputs.npz"));
      try (PointerScope s = new PointerScope();
          NoGradGuard g = new NoGradGuard()) {
        Tensor ids = ClipModelsParityTest.longs(out.get("input_ids"));
        Tensor mask = ClipModelsParityTest.longs(out.get("attention_mask"));
        Tensor pixels = Tensors.randn(Tensors.generator(6), 2, 3, 224, 224);
        Tensor text = model.textEmbeds(ids, mask);
        Tensor image = model.imageEmbeds(pixels);
        ClipModelsParityTest.assertClose(out.get("text_embeds"), text, "text", 1e-4);
        ClipModelsParityTest.assertClose(out.get("image_embeds"), image, "image", 1e-4);
        ClipModelsParityTest.assertClose(
            out.get("logits_per_image"), model.logitsPerImage(image, text), "logits", 1e-4);
      }
    } finally {
      model.clear();
    }
  }

  static Map<String, Tensor> weights() throws Exception {
    Map<String, Tensor> w = new LinkedHashMap<>();
    Generator g = Tensors.generator(0);
    for (String line : Files.readAllLines(DIR.resolve("keys.txt"))) {
      String[] f = line.trim().split(" ");
      long[] shape = new long[f.length - 3];
      for (int i = 0; i < shape.length; i++) shape[i] = Long.parseLong(f[1 + i]);
      double scale = Double.parseDouble(f[f.length - 2]);
      double offset = Double.parseDouble(f[f.length - 1]);
      w.put(
          f[0],
          Tensors.randn(g, shape).mul(new Scalar(scale)).add(new Scalar(offset)).contiguous());
    }
    return w;
  }
}
