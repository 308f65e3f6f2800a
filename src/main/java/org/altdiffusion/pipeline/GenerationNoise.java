package org.altdiffusion.pipeline;

import java.util.List;
import org.altdiffusion.engine.Noise;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.global.torch;

/**
 * How a generation draws its noise: from one generator per picture, in the models' type (diffusers'
 * way) or in float32 ({@code float32Noise}, AUTOMATIC1111's way).
 *
 * @param modelType the UNet's weights' type
 * @param float32Noise draw in float32 whatever the models' type
 */
record GenerationNoise(torch.ScalarType modelType, boolean float32Noise) {

  /**
   * The starting noise of each image, from its generator; a variation seed changes it, not the
   * sampler's later draws. It carries each picture's seed ({@code seed + i}), which DPM++ SDE seeds
   * its Brownian trees with, as A1111 does.
   */
  Noise starting(GenerationRequest r, long seed, List<Generator> generators, Long subseed) {
    Noise drawn =
        subseed == null
            ? Noise.perSample(generators, type())
            : Noise.variation(
                generators, Noise.seeded(subseed, r.batchSize()), r.variation().strength(), type());
    long[] seeds = new long[r.batchSize()];
    for (int i = 0; i < seeds.length; i++) seeds[i] = Seeds.ofImage(seed, i);
    return drawn.withSeeds(seeds);
  }

  /**
   * The type noise is drawn in: the UNet's (diffusers' randn_tensor takes the model's dtype, and
   * torch's generator gives other numbers in other types), float32 for float64 models or with
   * {@link #float32Noise}; the draws are widened to float32 for the loop either way.
   */
  torch.ScalarType type() {
    return float32Noise || modelType.value == torch.ScalarType.Double.value
        ? torch.ScalarType.Float
        : modelType;
  }

  /**
   * The models' type when it is not float32 ("bfloat16", "float16": the same seed gives another
   * picture there, so the infotext says it), else null.
   */
  String dtypeLabel() {
    String noise = float32Noise ? ", float32 noise" : "";
    if (modelType.value == torch.ScalarType.BFloat16.value) return "bfloat16" + noise;
    if (modelType.value == torch.ScalarType.Half.value) return "float16" + noise;
    return null;
  }
}
