package org.altdiffusion.pipeline;

import java.awt.image.BufferedImage;
import java.util.List;

/** Comparing our pictures with the reference's, for the pipeline parity tests. */
final class ParityImages {
  private ParityImages() {}

  /** Max |ours - expected| over every channel, in [0, 1]; expected is [B, H, W, 3] in [0, 1]. */
  static double maxDifference(List<GeneratedImage> images, float[] expected, int w, int h) {
    double worst = 0;
    for (int b = 0; b < images.size(); b++) {
      BufferedImage img = images.get(b).image();
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int rgb = img.getRGB(x, y);
          int base = ((b * h + y) * w + x) * 3;
          int[] ours = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
          for (int ch = 0; ch < 3; ch++)
            worst = Math.max(worst, Math.abs(ours[ch] / 255.0 - expected[base + ch]));
        }
      }
    }
    return worst;
  }

  /**
   * A request from a fixture case of the pipeline scripts (prompt, negative_prompt, sampler, steps,
   * guidance, eta, seed, batch, width, height; guidance_rescale when present).
   */
  static GenerationRequest.Builder request(com.fasterxml.jackson.databind.JsonNode c) {
    GenerationRequest.Builder b =
        GenerationRequest.builder(c.get("prompt").asText())
            .negativePrompt(c.get("negative_prompt").asText())
            .sampler(c.get("sampler").asText())
            .steps(c.get("steps").asInt())
            .guidance(c.get("guidance").asDouble())
            .eta(c.get("eta").asDouble())
            .seed(c.get("seed").asLong())
            .batchSize(c.get("batch").asInt())
            .size(c.get("width").asInt(), c.get("height").asInt());
    if (c.has("guidance_rescale")) b.guidanceRescale(c.get("guidance_rescale").asDouble());
    return b;
  }
}
