package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.Noise;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.schedulers.Samplers;
import org.altdiffusion.schedulers.Scheduler;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The one sampling loop: its three seams, progress and cancel, and modes chosen by the request. */
class DenoiseLoopTest {
  static DiffusionPipeline pipeline;

  @BeforeAll
  static void load() {
    Torch.init();
    pipeline =
        PipelineLoader.load(Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion"));
  }

  @Test
  void startHookAndProgressSeeEveryStepFromTheFirstIndex() {
    Scopes.run(
        () -> {
          try (NoGradGuard g = new NoGradGuard()) {
            Scheduler scheduler = Samplers.byName("DDIM", pipeline.components().scheduler());
            scheduler.setTimesteps(10);
            Noise noise = Noise.perSample(Noise.seeded(1, 1));
            LatentInit startAtThree = (s, n, shape) -> new LatentInit.Start(n.randn(shape), 3);
            List<Integer> predicted = new ArrayList<>();
            List<Integer> hooked = new ArrayList<>();
            List<String> progress = new ArrayList<>();
            Denoiser zero =
                (input, i, t) -> {
                  predicted.add(i);
                  return input.mul(Tensors.scalar(0));
                };
            StepHook hook =
                (latents, i, s) -> {
                  hooked.add(i);
                  return latents.mul(Tensors.scalar(0)); // the next step must start from this
                };
            Tensor out =
                pipeline.denoise(
                    startAtThree,
                    zero,
                    hook,
                    scheduler,
                    noise,
                    new long[] {1, 4, 8, 8},
                    (step, total, preview) -> progress.add(step + "/" + total));
            assertEquals(List.of(3, 4, 5, 6, 7, 8, 9), predicted);
            assertEquals(predicted, hooked);
            assertEquals("[1/7, 2/7, 3/7, 4/7, 5/7, 6/7, 7/7]", progress.toString());
            assertEquals(0.0, out.abs().max().item_double());
            scheduler.close();
          }
        });
  }

  @Test
  void aListenerThatSaysNoStopsBeforeTheNextStep() {
    GenerationRequest r = GenerationRequest.builder("x").steps(5).seed(1L).size(32, 32).build();
    List<BufferedImage> previews = new ArrayList<>();
    var e =
        assertThrows(
            GenerationCancelledException.class,
            () ->
                pipeline.generate(
                    r,
                    (step, total, preview) -> {
                      previews.add(preview.get());
                      return step < 2;
                    }));
    assertTrue(e.getMessage().contains("2"), e.getMessage());
    assertEquals(2, previews.size());
    assertEquals(32, previews.get(0).getWidth());
  }

  @Test
  void stoppingWithKeepCurrentReturnsTheEstimateAsA1111sInterruptDoes() {
    GenerationRequest r =
        GenerationRequest.builder("a red circle")
            .steps(6)
            .seed(5L)
            .batchSize(2)
            .size(32, 32)
            .build();
    List<Integer> steps = new ArrayList<>();
    ProgressListener interruptAtTwo =
        new ProgressListener() {
          @Override
          public boolean onStep(int step, int total, java.util.function.Supplier<BufferedImage> p) {
            steps.add(step);
            return step < 2;
          }

          @Override
          public OnStop onStop() {
            return OnStop.KEEP_CURRENT;
          }
        };
    List<GeneratedImage> partial = pipeline.generate(r, interruptAtTwo);
    List<GeneratedImage> full = pipeline.generate(r, null);
    assertEquals(List.of(1, 2), steps);
    assertEquals(2, partial.size());
    assertEquals(6L, partial.get(1).seed());
    assertEquals(full.get(1).infotext(), partial.get(1).infotext());
    assertTrue(GenerateEachTest.maxChannelDiff(partial.get(0).image(), full.get(0).image()) > 0);
  }

  @Test
  void karrasScheduleTypeGivesTheKarrasSamplersPicture() {
    GenerationRequest.Builder b =
        GenerationRequest.builder("a red circle").steps(4).seed(3L).size(32, 32);
    GeneratedImage viaType =
        pipeline.generate(b.sampler("DPM++ 2M").schedule("Karras").build(), null).get(0);
    GeneratedImage viaName =
        pipeline.generate(b.sampler("DPM++ 2M Karras").schedule(null).build(), null).get(0);
    GeneratedImage plain = pipeline.generate(b.sampler("DPM++ 2M").build(), null).get(0);
    assertEquals(0, GenerateEachTest.maxChannelDiff(viaType.image(), viaName.image()));
    assertTrue(GenerateEachTest.maxChannelDiff(viaType.image(), plain.image()) > 0);
    assertEquals("DPM++ 2M Karras", viaType.infotext().settings().get("Sampler"));
    assertEquals("Karras", viaType.infotext().settings().get("Schedule type"));
    assertEquals(null, viaName.infotext().settings().get("Schedule type"));
  }

  @Test
  void secondOrderSamplersReportStepsNotModelEvaluations() {
    Scopes.run(
        () -> {
          try (NoGradGuard g = new NoGradGuard()) {
            Scheduler heun = Samplers.byName("Heun", pipeline.components().scheduler());
            heun.setTimesteps(5); // 9 evaluations: t0, then two per later step
            int start = heun.img2imgStart(0.6); // t_start 2, times the order
            assertEquals(4, start);
            Noise noise = Noise.perSample(Noise.seeded(1, 1));
            LatentInit fromStart = (s, n, shape) -> new LatentInit.Start(n.randn(shape), start);
            List<Integer> predicted = new ArrayList<>();
            List<String> progress = new ArrayList<>();
            Denoiser zero =
                (input, i, t) -> {
                  predicted.add(i);
                  return input.mul(Tensors.scalar(0));
                };
            pipeline.denoise(
                fromStart,
                zero,
                StepHook.NONE,
                heun,
                noise,
                new long[] {1, 4, 8, 8},
                (step, total, preview) -> progress.add(step + "/" + total));
            assertEquals(List.of(4, 5, 6, 7, 8), predicted);
            assertEquals("[1/3, 2/3, 3/3]", progress.toString());
            heun.close();
          }
        });
  }

  @Test
  void everySamplerOfTheTableRunsTheLoop() {
    for (String name : Samplers.names()) {
      GenerationRequest r =
          GenerationRequest.builder("a red circle")
              .steps(3)
              .seed(2L)
              .size(32, 32)
              .sampler(name)
              .build();
      GeneratedImage image = pipeline.generate(r, null).get(0);
      assertEquals(name, image.infotext().settings().get("Sampler"), name);
    }
  }
}
