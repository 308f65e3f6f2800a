package org.altdiffusion.server;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.altdiffusion.image.GrayImage;
import org.altdiffusion.image.Masks;
import org.altdiffusion.image.ResizeMode;
import org.altdiffusion.pipeline.GeneratedImage;
import org.altdiffusion.pipeline.GenerationCancelledException;
import org.altdiffusion.pipeline.GenerationRequest;
import org.altdiffusion.pipeline.ImageGenerator;
import org.altdiffusion.pipeline.Infotext;
import org.altdiffusion.pipeline.InitImage;
import org.altdiffusion.pipeline.ProgressListener;

/**
 * TEST DOUBLE of the diffusion pipeline, for the server's tests only: draws a deterministic picture
 * from the request (colours from prompt and seed, a bar per step), walks through the requested
 * steps with a configurable delay, reports every step with a preview and stops when the listener
 * says so, exactly as the {@link ImageGenerator} contract asks. Image-to-image runs only the last
 * {@link InitImage#stepsRun} steps, as the pipeline does, and its picture is the init image blended
 * with the drawing by the strength ({@code init x (1 - s) + drawing x s}). With a mask only the
 * pixels its prepared (inverted, blurred) mask repaints change; with a crop the init image may have
 * any size and is resized to the request's. With the hires fix the pictures have the second pass's
 * size and the infotext its fields.
 */
public final class TestImageGenerator implements ImageGenerator, AutoCloseable {
  static final List<String> SAMPLERS = List.of("Euler a", "Euler", "DDIM", "PNDM");

  private final String name;
  private final long stepDelayMillis;
  private final int defaultSize;
  final AtomicInteger runs = new AtomicInteger();
  volatile GenerationRequest lastRequest;
  volatile boolean closed;

  public TestImageGenerator(String name, long stepDelayMillis, int defaultSize) {
    this.name = name;
    this.stepDelayMillis = stepDelayMillis;
    this.defaultSize = defaultSize;
  }

  @Override
  public List<GeneratedImage> generate(GenerationRequest request, ProgressListener progress) {
    if (closed) throw new IllegalStateException("generator used after close");
    request.validate();
    runs.incrementAndGet();
    lastRequest = request;
    InitImage init = request.initImage();
    int w = request.size().width() == 0 ? defaultSize : request.size().width();
    int h = request.size().height() == 0 ? defaultSize : request.size().height();
    int total = request.sampling().steps();
    if (init != null) {
      // the pipeline's own checks, with its messages' gist (a cropped mask takes any size)
      boolean cropped = request.mask() != null && request.mask().cropPadding() != null;
      if (!cropped && (init.image().getWidth() != w || init.image().getHeight() != h)) {
        throw new IllegalArgumentException(
            "init image is "
                + init.image().getWidth()
                + "x"
                + init.image().getHeight()
                + " but the request is "
                + w
                + "x"
                + h);
      }
      total = init.stepsRun(request.sampling().steps());
      if (total < 1)
        throw new IllegalArgumentException(
            "denoising strength "
                + init.strength()
                + " leaves no step to run with "
                + request.sampling().steps()
                + " steps");
    }
    long seed0 = request.seed() == null ? 0 : request.seed();
    int stepsDone = total;
    for (int step = 1; step <= total; step++) {
      sleep();
      final int done = step;
      final int of = total;
      boolean go =
          progress.onStep(step, total, () -> picture(request, init, seed0, w, h, done, of));
      if (go) continue;
      if (progress.onStop() != ProgressListener.OnStop.KEEP_CURRENT)
        throw new GenerationCancelledException(step);
      stepsDone = step; // the pictures as they are now, as the pipeline decodes its estimate
      break;
    }
    // the hires fix: the pictures at the second pass's size (the pipeline's checks ran in validate)
    GenerationRequest.Size target =
        request.hires() == null
            ? new GenerationRequest.Size(w, h)
            : request.hires().target(new GenerationRequest.Size(w, h));
    List<GeneratedImage> out = new ArrayList<>();
    for (int i = 0; i < request.batchSize(); i++) {
      long seed = seed0 + i;
      out.add(
          new GeneratedImage(
              picture(request, init, seed, target.width(), target.height(), stepsDone, total),
              seed,
              infotext(request, init, seed, w, h)));
    }
    return out;
  }

  private static BufferedImage picture(
      GenerationRequest r, InitImage init, long seed, int w, int h, int stepsDone, int total) {
    BufferedImage drawn = draw(r, seed, w, h, stepsDone, total);
    if (init == null) return drawn;
    BufferedImage start = ResizeMode.JUST_RESIZE.fit(init.image(), w, h);
    BufferedImage blended = blend(start, drawn, init.strength());
    if (r.mask() == null) return blended;
    // inpainting: only the pixels the prepared mask repaints (>= 128) change
    GrayImage m = Masks.resize(r.mask().prepared(), w, h);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        if (m.values()[y * w + x] < 128) blended.setRGB(x, y, start.getRGB(x, y));
    return blended;
  }

  /** {@code a x (1 - s) + b x s}, channel by channel, rounded. */
  static BufferedImage blend(BufferedImage a, BufferedImage b, double s) {
    BufferedImage out = new BufferedImage(b.getWidth(), b.getHeight(), BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < b.getHeight(); y++) {
      for (int x = 0; x < b.getWidth(); x++) {
        int pa = a.getRGB(x, y);
        int pb = b.getRGB(x, y);
        int rgb = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
          int v = (int) Math.round(((pa >> shift) & 255) * (1 - s) + ((pb >> shift) & 255) * s);
          rgb |= v << shift;
        }
        out.setRGB(x, y, rgb);
      }
    }
    return out;
  }

  private void sleep() {
    if (stepDelayMillis <= 0) return;
    try {
      Thread.sleep(stepDelayMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Background from prompt and seed; a bar whose length shows the steps done. */
  static BufferedImage draw(
      GenerationRequest r, long seed, int w, int h, int stepsDone, int totalSteps) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color((int) ((r.prompt().hashCode() * 31L + seed) & 0xFFFFFF)));
    g.fillRect(0, 0, w, h);
    g.setColor(Color.WHITE);
    g.fillRect(
        0,
        h - Math.max(1, h / 8),
        Math.max(1, w * stepsDone / Math.max(1, totalSteps)),
        Math.max(1, h / 8));
    g.dispose();
    return img;
  }

  private Infotext infotext(GenerationRequest r, InitImage init, long seed, int w, int h) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("Steps", Integer.toString(r.sampling().steps()));
    s.put("Sampler", samplerDisplayName(r.sampling().sampler(), r.sampling().schedule()));
    if (r.sampling().schedule() != null) s.put("Schedule type", r.sampling().schedule());
    if (r.tiling()) s.put("Tiling", "True");
    s.put("CFG scale", Double.toString(r.guidance().scale()));
    s.put("Seed", Long.toString(seed));
    s.put("Size", w + "x" + h);
    s.put("Model", name);
    if (r.variation() != null) { // as the pipeline writes it: the variation seed of this image
      s.put("Variation seed", Long.toString(r.variation().subseed() + (seed - r.seed())));
      s.put("Variation seed strength", Double.toString(r.variation().strength()));
    }
    if (init != null) s.put("Denoising strength", Double.toString(init.strength()));
    if (r.hires() != null) { // as the pipeline writes them, the second pass's own settings as given
      var hr = r.hires();
      s.put("Denoising strength", Double.toString(hr.denoisingStrength()));
      if (hr.sampler() != null) s.put("Hires sampler", hr.sampler());
      if (!hr.promptOr("").isEmpty()) s.put("Hires prompt", hr.prompt());
      if (!hr.negativePromptOr("").isEmpty()) s.put("Hires negative prompt", hr.negativePrompt());
      if (hr.schedule() != null) s.put("Hires schedule type", hr.schedule());
      if (hr.resized()) s.put("Hires resize", hr.resizeX() + "x" + hr.resizeY());
      else s.put("Hires upscale", Double.toString(r.hires().scale()));
      if (r.hires().secondPassSteps() > 0)
        s.put("Hires steps", Integer.toString(r.hires().secondPassSteps()));
      s.put("Hires upscaler", r.hires().upscaler());
    }
    if (r.mask() != null) {
      if (r.mask().blurX() == r.mask().blurY())
        s.put("Mask blur", Integer.toString(r.mask().blurX()));
      else {
        s.put("Mask blur X", Integer.toString(r.mask().blurX()));
        s.put("Mask blur Y", Integer.toString(r.mask().blurY()));
      }
      if (r.mask().invert()) s.put("Mask mode", "Inpaint not masked");
      s.put("Masked content", r.mask().fill().a1111Name());
      if (r.mask().cropPadding() != null) {
        s.put("Inpaint area", "Only masked");
        s.put("Masked area padding", Integer.toString(r.mask().cropPadding()));
      }
      if (r.mask().overlay()) s.put("Overlay", "true");
    }
    return new Infotext(r.prompt(), r.negativePrompt(), s);
  }

  @Override
  public String samplerDisplayName(String sampler, String schedule) {
    return sampler == null ? "PNDM" : sampler;
  }

  @Override
  public String modelName() {
    return name;
  }

  @Override
  public List<String> samplerNames() {
    return SAMPLERS;
  }

  @Override
  public int defaultSize() {
    return defaultSize;
  }

  @Override
  public void close() {
    closed = true;
  }
}
