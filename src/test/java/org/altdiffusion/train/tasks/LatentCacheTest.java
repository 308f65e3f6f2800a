package org.altdiffusion.train.tasks;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.recipe.ShapesTrainingData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LatentCacheTest {
  @Test
  void aCacheMadeByAnotherVaeIsNotReused(@TempDir Path tmp) throws Exception {
    Torch.init();
    var data = ShapesTrainingData.imageText(0, 4, 64, List.of(Language.EN));
    AutoencoderKL first = VaeTrainingTest.vae();
    AutoencoderKL second = VaeTrainingTest.vae();
    second.initialize(Tensors.generator(1));
    Path file = tmp.resolve("latents.safetensors");
    var a = LatentCache.build(data, first, 64, 2, file, true);
    var again = LatentCache.build(data, first, 64, 2, file, true);
    var other = LatentCache.build(data, second, 64, 2, file, false);
    var items = List.of(data.get(0), data.get(1));
    assertEquals(
        0, Tensors.maxAbsDiff(a.distributions(items).mean(), again.distributions(items).mean()));
    assertNotEquals(
        0, Tensors.maxAbsDiff(a.distributions(items).mean(), other.distributions(items).mean()));
    assertNotEquals(LatentCache.digest(first), LatentCache.digest(second));
  }
}
