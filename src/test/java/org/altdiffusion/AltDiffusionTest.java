package org.altdiffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.pipeline.GenerationCancelledException;
import org.altdiffusion.pipeline.GenerationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java API: progress, cancel from another thread, errors that say what was wrong. */
class AltDiffusionTest {
  static final Path TINY = Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion");

  @Test
  void cancelFromAnotherThreadStopsTheRun() throws Exception {
    try (AltDiffusion model = AltDiffusion.load(TINY)) {
      CountDownLatch firstStep = new CountDownLatch(1);
      CountDownLatch cancelled = new CountDownLatch(1);
      AltDiffusion.Generation g =
          model.start(
              GenerationRequest.builder("x").steps(50).size(32, 32).build(),
              (step, total, preview) -> {
                firstStep.countDown();
                try {
                  cancelled.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                return true;
              });
      assertTrue(firstStep.await(30, TimeUnit.SECONDS));
      g.cancel();
      cancelled.countDown();
      var e = assertThrows(GenerationCancelledException.class, g::images);
      assertTrue(e.stepsDone() < 50, e.getMessage());
      // the model is still usable afterwards
      assertEquals(
          1, model.generate(GenerationRequest.builder("x").steps(2).size(32, 32).build()).size());
    }
  }

  @Test
  void aSamplerThatCannotPredictTheModelsWayIsRefusedBeforeWork(@TempDir Path tmp)
      throws Exception {
    Path x0 = org.altdiffusion.pipeline.SamplerModesTest.folderPredicting(tmp, "sample");
    try (AltDiffusion model = AltDiffusion.load(x0)) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  model
                      .start(
                          GenerationRequest.builder("x")
                              .steps(2)
                              .size(32, 32)
                              .sampler("DPM2 a")
                              .build(),
                          (step, total, preview) -> {
                            throw new AssertionError("a step ran");
                          })
                      .images());
      assertTrue(
          e.getMessage().contains("cannot sample a model with sample (x0) prediction")
              && e.getMessage().contains("samplers that can: DDIM, Euler"),
          e.getMessage());
    }
  }

  @Test
  void badRequestsAndFoldersSayWhatIsWrong() {
    try (AltDiffusion model = AltDiffusion.load(TINY)) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> model.generate(GenerationRequest.builder("x").steps(0).size(30, 32).build()));
      assertTrue(e.getMessage().contains("steps must be between 1 and 1000"), e.getMessage());
      assertTrue(e.getMessage().contains("width must be a multiple of 8"), e.getMessage());
      assertEquals(TINY.getFileName().toString(), model.modelName());
      assertTrue(model.samplers().contains("Euler a"));
    }
    assertThrows(CheckpointException.class, () -> AltDiffusion.load(Path.of("no/such/model")));
  }
}
