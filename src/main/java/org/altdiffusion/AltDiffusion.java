package org.altdiffusion;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.altdiffusion.models.text.TextEncoder;
import org.altdiffusion.nn.Module;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.GeneratedImage;
import org.altdiffusion.pipeline.GenerationCancelledException;
import org.altdiffusion.pipeline.GenerationRequest;
import org.altdiffusion.pipeline.ModelComponents;
import org.altdiffusion.pipeline.PipelineLoader;
import org.altdiffusion.pipeline.ProgressListener;
import org.altdiffusion.pipeline.SingleFileOptions;
import org.altdiffusion.pipeline.VaeTiling;

/**
 * The entry point for applications: load a model folder, generate pictures from {@link
 * GenerationRequest}s, follow their progress and cancel them.
 *
 * <pre>{@code
 * try (AltDiffusion model = AltDiffusion.load(Path.of("models/altdiffusion-tiny"))) {
 *   List<GeneratedImage> images = model.generate(GenerationRequest.builder("一只猫").build());
 * }
 * }</pre>
 *
 * <p>Generations of one model run one after the other on its own thread ({@link #start} returns at
 * once; {@link #generate} waits); several models may run side by side. {@link #close} frees the
 * model's native memory after the generations already started.
 */
public final class AltDiffusion implements AutoCloseable {
  private volatile DiffusionPipeline pipeline;
  private final ExecutorService worker;

  private AltDiffusion(DiffusionPipeline pipeline) {
    this.pipeline = pipeline;
    this.worker =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "altdiffusion-" + pipeline.modelName());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Loads a diffusers pipeline folder: BAAI's AltDiffusion m9/m18, Stable Diffusion 1.x/2.x, or the
   * project's built-in {@code models/altdiffusion-tiny}.
   *
   * @throws org.altdiffusion.io.CheckpointException naming the file and what is wrong with it
   */
  public static AltDiffusion load(Path modelFolder) {
    return new AltDiffusion(
        PipelineLoader.load(Objects.requireNonNull(modelFolder, "modelFolder")));
  }

  /**
   * Loads a diffusers folder or an LDM single-file checkpoint ({@code .safetensors}/{@code .ckpt},
   * SD 1.x/2.x, inpainting, AltDiffusion) read as {@code options} say (tokenizer, yaml config,
   * prediction type, EMA).
   */
  public static AltDiffusion load(Path model, SingleFileOptions options) {
    return new AltDiffusion(
        new DiffusionPipeline(
            PipelineLoader.components(Objects.requireNonNull(model, "model"), options)));
  }

  /** The folder's name, as infotexts record it ("Model: ..."). */
  public String modelName() {
    return pipeline.modelName();
  }

  /** The picture side the model was trained for, used when a request leaves the size at 0. */
  public int defaultSize() {
    return pipeline.defaultSize();
  }

  /** The sampler names a request may name (aliases and diffusers class names work too). */
  public List<String> samplers() {
    return pipeline.samplerNames();
  }

  /**
   * How the VAE tiles big pictures for the generations started from now on (default {@link
   * VaeTiling#AUTO}; diffusers' {@code enable_vae_tiling} is {@link VaeTiling#ON}).
   */
  public void setVaeTiling(VaeTiling mode) {
    pipeline = pipeline.withVaeTiling(Objects.requireNonNull(mode, "mode"));
  }

  /**
   * Generates and waits.
   *
   * @throws IllegalArgumentException when the request is invalid (the message lists every problem)
   */
  public List<GeneratedImage> generate(GenerationRequest request) {
    return start(request, ProgressListener.NONE).images();
  }

  /**
   * Starts a generation and returns at once.
   *
   * @param progress called after every step, on the model's thread, with a preview on demand;
   *     returning false cancels
   */
  public Generation start(GenerationRequest request, ProgressListener progress) {
    request.validate();
    ProgressListener listener = progress == null ? ProgressListener.NONE : progress;
    Generation g = new Generation();
    DiffusionPipeline chosen = pipeline;
    g.future =
        CompletableFuture.supplyAsync(
            () ->
                chosen.generate(
                    request,
                    (step, total, preview) ->
                        !g.cancelled && listener.onStep(step, total, preview)),
            worker);
    return g;
  }

  /** Waits for the generations already started, then frees the model's weights. */
  @Override
  public void close() {
    worker.shutdown();
    try {
      while (!worker.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
        // a long generation is still running; its native memory must stay until it ends
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    ModelComponents c = pipeline.components();
    c.unet().clear();
    c.vae().clear();
    TextEncoder encoder = c.textEncoder();
    if (encoder instanceof Module m) m.clear();
  }

  /** A generation in progress: wait for its pictures, or cancel it from any thread. */
  public static final class Generation {
    private volatile boolean cancelled;
    private Future<List<GeneratedImage>> future;

    private Generation() {}

    /** Asks the generation to stop before its next step. */
    public void cancel() {
      cancelled = true;
    }

    public boolean isDone() {
      return future.isDone();
    }

    /**
     * Waits for the pictures, each with its seed and A1111 parameters.
     *
     * @throws GenerationCancelledException when it was cancelled
     * @throws IllegalArgumentException when the request could not run (size, memory, strength)
     */
    public List<GeneratedImage> images() {
      try {
        return future.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        cancel();
        throw new GenerationCancelledException(0);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) throw r;
        if (e.getCause() instanceof Error err) throw err;
        throw new IllegalStateException(e.getCause());
      }
    }
  }
}
