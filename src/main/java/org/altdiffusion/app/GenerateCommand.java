package org.altdiffusion.app;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.altdiffusion.image.Alpha;
import org.altdiffusion.image.GrayImage;
import org.altdiffusion.image.ImageDecoder;
import org.altdiffusion.image.ImageLimits;
import org.altdiffusion.image.Masks;
import org.altdiffusion.image.Png;
import org.altdiffusion.io.AtomicFiles;
import org.altdiffusion.lora.LoraFolder;
import org.altdiffusion.lora.LoraPrompt;
import org.altdiffusion.lora.LoraSpec;
import org.altdiffusion.models.text.PromptOptions;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.GeneratedImage;
import org.altdiffusion.pipeline.GenerationRequest;
import org.altdiffusion.pipeline.HiresFix;
import org.altdiffusion.pipeline.HiresUpscale;
import org.altdiffusion.pipeline.InitImage;
import org.altdiffusion.pipeline.InpaintMask;
import org.altdiffusion.pipeline.ProgressListener;
import org.altdiffusion.pipeline.Seeds;
import org.altdiffusion.prompt.Embeddings;
import org.altdiffusion.prompt.PromptAttention;
import org.altdiffusion.prompt.PromptSchedules;
import org.altdiffusion.schedulers.Samplers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code altdiffusion generate}: prompt in, PNGs out (with the parameters embedded). */
@Command(
    name = "generate",
    description = "Generate images from a prompt in any of the model's languages.")
final class GenerateCommand implements Callable<Integer> {

  @Option(
      names = "--model",
      paramLabel = "DIR",
      description =
          "A diffusers model folder (AltDiffusion m9/m18, Stable Diffusion 1.x/2.x, or ours), or"
              + " a single-file checkpoint in the original layout (.safetensors/.ckpt)."
              + " Default: the built-in model.")
  Path model;

  @picocli.CommandLine.Mixin ModelOptions modelOptions;
  @picocli.CommandLine.Mixin PrecisionOption precision = new PrecisionOption();
  @picocli.CommandLine.Mixin VaeTilingOption vaeTiling;

  @Option(
      names = {"-p", "--prompt"},
      required = true,
      description = "The prompt.")
  String prompt;

  @Option(
      names = {"-n", "--negative-prompt"},
      defaultValue = "",
      description = "What to steer away from.")
  String negativePrompt;

  @Option(
      names = "--steps",
      defaultValue = "50",
      description = "Denoising steps (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = {"-g", "--guidance"},
      defaultValue = "7.5",
      description =
          "Classifier-free guidance scale; <= 1 turns guidance off (default ${DEFAULT-VALUE}).")
  double guidance;

  @Option(
      names = "--guidance-rescale",
      defaultValue = "0",
      description = "Guidance rescale factor 0..1 (default ${DEFAULT-VALUE}).")
  double guidanceRescale;

  @Option(
      names = "--sampler",
      description =
          "Sampler (default: the model's scheduler): an A1111 name (Euler a, DPM++ 2M, Heun, DPM2,"
              + " DPM2 a, DDPM, ...) or a diffusers class name (HeunDiscreteScheduler, ...).")
  String sampler;

  @Option(
      names = "--tiling",
      description =
          "Seamless tiling: the picture's opposite edges continue each other (A1111's Tiling).")
  boolean tiling;

  @Option(
      names = "--hires-scale",
      paramLabel = "S",
      description =
          "A1111's hires fix: after the first pass, a second image-to-image pass at S times the"
              + " size (each side x S must be a multiple of 8). Off unless given.")
  Double hiresScale;

  @Option(
      names = "--hires-steps",
      paramLabel = "N",
      defaultValue = "0",
      description = "Steps of the hires pass before the strength cut (default 0: --steps).")
  int hiresSteps;

  @Option(
      names = "--hires-upscaler",
      paramLabel = "NAME",
      defaultValue = HiresUpscale.DEFAULT,
      description =
          "Hires upscaler (default ${DEFAULT-VALUE}): Latent, Latent (antialiased), Latent"
              + " (bicubic), Latent (bicubic antialiased), Latent (nearest), Latent"
              + " (nearest-exact), None, Lanczos.")
  String hiresUpscaler;

  @Option(
      names = "--hires-strength",
      paramLabel = "D",
      defaultValue = "0.7",
      description = "Denoising strength of the hires pass, in (0, 1] (default ${DEFAULT-VALUE}).")
  double hiresStrength;

  @Option(
      names = "--hires-resize",
      paramLabel = "WxH",
      description =
          "Hires pass size instead of --hires-scale (A1111's hr_resize_x/y, multiples of 8): 0 for"
              + " a side follows the aspect ratio; with both, the picture is upscaled to cover"
              + " WxH and the excess cut.")
  String hiresResize;

  @Option(
      names = "--hires-prompt",
      paramLabel = "TEXT",
      description = "Prompt of the hires pass (default: --prompt).")
  String hiresPrompt;

  @Option(
      names = "--hires-negative-prompt",
      paramLabel = "TEXT",
      description = "Negative prompt of the hires pass (default: --negative-prompt).")
  String hiresNegativePrompt;

  @Option(
      names = "--hires-sampler",
      paramLabel = "NAME",
      description = "Sampler of the hires pass (default: --sampler).")
  String hiresSampler;

  @Option(
      names = "--hires-schedule",
      paramLabel = "TYPE",
      description = "Schedule type of the hires pass, Automatic or Karras (default: --schedule).")
  String hiresSchedule;

  @Option(
      names = "--schedule",
      paramLabel = "TYPE",
      description =
          "Schedule type as A1111 names it: Automatic (the sampler's own, default), Karras, SGM"
              + " Uniform, or the timestep spacing Trailing, Leading or Linspace.")
  String schedule;

  @Option(names = "--eta", defaultValue = "0", description = "DDIM eta (default ${DEFAULT-VALUE}).")
  double eta;

  @Option(
      names = {"-s", "--seed"},
      defaultValue = "-1",
      description = "Seed of the first image; image i uses seed + i. -1 = random (default).")
  long seed;

  @Option(
      names = {"-W", "--width"},
      defaultValue = "0",
      description = "Width in pixels, a multiple of 8 (default: the model's size).")
  int width;

  @Option(
      names = {"-H", "--height"},
      defaultValue = "0",
      description = "Height in pixels, a multiple of 8 (default: the model's size).")
  int height;

  @Option(
      names = {"-b", "--batch"},
      defaultValue = "1",
      description = "Images to generate together (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--init-image",
      paramLabel = "FILE",
      description = "Start from this picture (image-to-image).")
  Path initImage;

  @Option(
      names = "--strength",
      description =
          "Image-to-image and inpainting: how much to change the picture, 0..1 (default 0.8, with"
              + " --mask 1.0, as diffusers).")
  Double strength;

  @Option(
      names = "--mask",
      paramLabel = "FILE",
      description =
          "Inpainting: repaint the white part of --init-image. A mask with transparency is read"
              + " by its alpha (opaque = repaint), any other by its brightness; a mask of another"
              + " size is resized to the picture's.")
  Path mask;

  @Option(
      names = "--mask-blur",
      paramLabel = "PX",
      defaultValue = "0",
      description = "Inpainting: A1111's mask blur in pixels, 0..64 (default ${DEFAULT-VALUE}).")
  int maskBlur;

  @Option(
      names = "--mask-blur-x",
      paramLabel = "PX",
      description = "Inpainting: the mask blur along the rows only (A1111's mask_blur_x).")
  Integer maskBlurX;

  @Option(
      names = "--mask-blur-y",
      paramLabel = "PX",
      description = "Inpainting: the mask blur along the columns only (A1111's mask_blur_y).")
  Integer maskBlurY;

  @Option(
      names = "--inpaint-only-masked",
      description =
          "Inpainting: A1111's \"Only masked\": the region around the mask (grown by"
              + " --mask-padding and to the output's aspect ratio) inpainted at --width x --height"
              + " and pasted back into the original, which keeps its size.")
  boolean onlyMasked;

  @Option(
      names = "--mask-padding",
      paramLabel = "PX",
      defaultValue = "32",
      description = "With --inpaint-only-masked: A1111's masked area padding (default 32).")
  int maskPadding;

  @Option(
      names = "--invert-mask",
      description = "Inpainting: repaint the black part of the mask instead.")
  boolean invertMask;

  @Option(
      names = "--mask-crop-padding",
      paramLabel = "PX",
      description =
          "Inpainting: work on the region around the mask only (grown by PX pixels and to the"
              + " output's aspect ratio), fitted to --width x --height, then pasted back over the"
              + " original at the output's size (diffusers' padding_mask_crop).")
  Integer maskCropPadding;

  @Option(
      names = "--fill",
      paramLabel = "MODE",
      defaultValue = "original",
      description =
          "Inpainting: what the masked region starts from (A1111's \"Masked content\"): original"
              + " (default), fill (the masked pixels filled with the colours around them),"
              + " latent-noise or latent-nothing (these two: strength < 1).")
  String fill;

  @Option(
      names = "--overlay",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Inpainting: paste the original back outside the (blurred) mask after decoding, as A1111"
              + " does (default); --no-overlay: diffusers' picture as decoded (the VAE changes the"
              + " kept part slightly). The crop modes paste back by themselves.")
  boolean overlay;

  @Option(
      names = {"-o", "--out"},
      defaultValue = "outputs",
      paramLabel = "PATH",
      description = "A .png file, or a folder for <seed>.png files (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--lora",
      paramLabel = "FILE[:WEIGHT[:UNET_WEIGHT]]",
      description =
          "A LoRA to apply (kohya/A1111 LoRA or LoCon, or diffusers/PEFT; .safetensors, .pt,"
              + " .ckpt) with its weight (default 1; negative to steer away); with two weights"
              + " the first is the text encoder's, the second the UNet's. Repeatable.")
  List<String> loras = new ArrayList<>();

  @Option(
      names = "--loras",
      paramLabel = "DIR",
      defaultValue = "models/lora",
      description =
          "Folder of the LoRAs the prompt names with A1111's <lora:NAME:WEIGHT> (NAME: a file name"
              + " without .safetensors/.pt/.ckpt; WEIGHT default 1;"
              + " <lora:NAME:TE_WEIGHT:UNET_WEIGHT> for separate weights). Default"
              + " ${DEFAULT-VALUE}.")
  Path loraDir;

  @Option(
      names = "--prompt-syntax",
      paramLabel = "a1111|plain",
      defaultValue = "a1111",
      description =
          "How prompts are read: a1111 = AUTOMATIC1111's (text:1.3), (text), [text], \\( escapes,"
              + " BREAK, long prompts in 75-token chunks, embeddings; plain = as diffusers, cut at"
              + " the text encoder's window. Default ${DEFAULT-VALUE}.")
  String promptSyntax;

  @Option(
      names = "--clip-skip",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "A1111's clip skip for CLIP text encoders: 1 = last layer, 2 = the one before it"
              + " through the final layer norm, ... (refused for AltDiffusion's XLM-R). Default"
              + " ${DEFAULT-VALUE}.")
  int clipSkip;

  @Option(
      names = "--embeddings",
      paramLabel = "DIR",
      defaultValue = "models/embeddings",
      description =
          "Folder of textual-inversion embeddings (A1111 .pt/.safetensors, diffusers"
              + " learned_embeds); a prompt that writes an embedding's file name gets its vectors"
              + " (A1111 syntax only). Default ${DEFAULT-VALUE}.")
  Path embeddingsDir;

  @Option(names = "--quiet", description = "No progress bar.")
  boolean quiet;

  @picocli.CommandLine.Mixin ControlNetOptions controlNets = new ControlNetOptions();

  /** The hires fix the options ask for, or null. */
  private HiresFix hires() {
    if (hiresScale == null && hiresResize == null) return null;
    int[] resize = {0, 0};
    if (hiresResize != null) {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("([0-9]{1,5})x([0-9]{1,5})").matcher(hiresResize.strip());
      if (!m.matches())
        throw new IllegalArgumentException(
            "--hires-resize must be WIDTHxHEIGHT (e.g. 1024x0: 0 follows the aspect ratio), got '"
                + hiresResize
                + "'");
      resize = new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
      if (resize[0] == 0 && resize[1] == 0)
        throw new IllegalArgumentException(
            "--hires-resize 0x0 sets no size; give a side, or use --hires-scale");
    }
    return new HiresFix(
            hiresScale == null ? 2.0 : hiresScale, hiresUpscaler, hiresSteps, hiresStrength)
        .withResize(resize[0], resize[1])
        .withPrompts(hiresPrompt, hiresNegativePrompt)
        .withSampler(hiresSampler, hiresSchedule);
  }

  @Override
  public Integer call() throws Exception {
    modelOptions.device.resolve(); // a missing GPU fails before anything starts
    precision.resolve(); // as does an unknown --dtype
    if (mask != null && initImage == null)
      throw new IllegalArgumentException("--mask needs --init-image (the picture to repaint)");
    boolean hiresOptions =
        hiresSteps != 0
            || !hiresUpscaler.equals(HiresUpscale.DEFAULT)
            || hiresStrength != 0.7
            || hiresPrompt != null
            || hiresNegativePrompt != null
            || hiresSampler != null
            || hiresSchedule != null;
    if (hiresScale == null && hiresResize == null && hiresOptions)
      throw new IllegalArgumentException(
          "--hires-steps, --hires-upscaler, --hires-strength, --hires-prompt,"
              + " --hires-negative-prompt, --hires-sampler and --hires-schedule need --hires-scale"
              + " or --hires-resize");
    double s = strength != null ? strength : mask != null ? 1.0 : 0.8;
    InitImage init = initImage == null ? null : new InitImage(readImage(initImage), s);
    InpaintMask inpaint = init == null || mask == null ? null : readMask(init.image());
    GenerationRequest.Builder builder =
        GenerationRequest.builder(prompt)
            .negativePrompt(negativePrompt)
            .steps(steps)
            .guidance(guidance)
            .guidanceRescale(guidanceRescale)
            .sampler(sampler)
            .schedule(schedule)
            .tiling(tiling)
            .eta(eta)
            .seed(Seeds.fromUser(seed))
            .size(width, height)
            .batchSize(batch)
            .initImage(init)
            .mask(inpaint)
            .loras(loraSpecs())
            .promptOptions(
                new PromptOptions(
                    PromptOptions.Syntax.parse(promptSyntax),
                    clipSkip,
                    Embeddings.folder(embeddingsDir)))
            .hires(hires());
    if (init != null && width == 0 && height == 0) {
      builder.size(init.image().getWidth(), init.image().getHeight());
    }
    GenerationRequest request = builder.build().validate();
    Samplers.resolve(sampler, schedule); // an unknown name fails before the model loads
    List<ControlNetOptions.Pair> controlPairs = controlNets.any() ? controlNets.pairs() : null;
    if (request.promptOptions().syntax() == PromptOptions.Syntax.A1111) {
      // so does a prompt this syntax refuses
      for (boolean positive : new boolean[] {true, false}) {
        String text = positive ? LoraPrompt.strip(prompt) : request.negativePrompt();
        PromptSchedules.check(text, positive);
        PromptAttention.parse(text);
      }
    }
    List<Path> targets = targets(batch);
    if (inpaint != null && inpaint.repaintsNothing()) {
      System.err.println(
          "warning: the mask repaints nothing (no pixel is 128 or brighter"
              + (invertMask ? " after inverting" : "")
              + "); writing the init image unchanged");
      long first = Seeds.resolve(request.seed());
      for (int i = 0; i < batch; i++) {
        Path target =
            targets.isEmpty() ? out.resolve(Seeds.ofImage(first, i) + ".png") : targets.get(i);
        AtomicFiles.write(target, Png.encode(init.image(), null));
        System.out.println(target);
      }
      return 0;
    }
    Path folder = model == null ? BuiltInModel.folder() : model;
    PrintStream err = System.err;
    long loadStart = System.nanoTime();
    DiffusionPipeline pipeline =
        vaeTiling.apply(
            precision.apply(new DiffusionPipeline(modelOptions.load(folder, precision.resolve()))));
    if (!quiet)
      err.printf(
          "loaded %s in %.1f s%n", pipeline.modelName(), (System.nanoTime() - loadStart) / 1e9);
    int over = pipeline.truncatedTokens(prompt, request.promptOptions());
    if (over > 0)
      err.println(
          "note: the prompt is "
              + over
              + " tokens over the text encoder's limit; the end of it is ignored"
              + " (--prompt-syntax a1111 encodes long prompts in chunks)");
    if (controlPairs != null) {
      var size = request.size().orDefault(pipeline.defaultSize());
      request =
          request.toBuilder()
              .control(controlNets.control(controlPairs, size.width(), size.height(), err))
              .build()
              .validate();
    }
    ProgressBar bar = quiet ? null : new ProgressBar(err);
    List<GeneratedImage> images =
        pipeline.generate(request, bar == null ? ProgressListener.NONE : bar);
    if (bar != null) bar.finish();
    for (int i = 0; i < images.size(); i++) {
      Path target = targets.isEmpty() ? out.resolve(images.get(i).seed() + ".png") : targets.get(i);
      AtomicFiles.write(target, images.get(i).png());
      System.out.println(target);
    }
    return 0;
  }

  /**
   * The --lora arguments, each file checked to exist before the model loads, then the prompt's
   * {@code <lora:NAME:WEIGHT>} tags found in --loras.
   */
  private List<LoraSpec> loraSpecs() {
    List<LoraSpec> specs = new ArrayList<>();
    for (String a : loras) {
      LoraSpec s = LoraSpec.parse(a);
      if (!Files.isRegularFile(s.file()))
        throw new IllegalArgumentException("--lora " + s.file() + ": no such file");
      specs.add(s);
    }
    List<LoraPrompt.Tag> tags = LoraPrompt.parse(prompt).tags();
    if (!tags.isEmpty()) specs.addAll(new LoraFolder(loraDir).specs(tags));
    return specs;
  }

  /** The files to write, checked before any heavy work; empty when {@link #out} is a folder. */
  private List<Path> targets(int count) throws IOException {
    List<Path> files = new ArrayList<>();
    String name = out.getFileName() == null ? "" : out.getFileName().toString();
    if (name.toLowerCase(java.util.Locale.ROOT).endsWith(".png")) {
      String stem = name.substring(0, name.length() - 4);
      for (int i = 0; i < count; i++)
        files.add(count == 1 ? out : out.resolveSibling(stem + "-" + i + ".png"));
      Path parent = out.toAbsolutePath().getParent();
      checkWritableFolder(parent);
      for (Path f : files)
        if (Files.isDirectory(f)) throw new IllegalArgumentException("--out " + f + " is a folder");
      return files;
    }
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new IllegalArgumentException(
          "--out " + out + " exists and is not a folder; give a folder or a .png file name");
    }
    checkWritableFolder(out.toAbsolutePath());
    return files;
  }

  private static void checkWritableFolder(Path folder) throws IOException {
    try {
      Files.createDirectories(folder);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot create the output folder " + folder + ": " + e.getMessage());
    }
    if (!Files.isWritable(folder))
      throw new IllegalArgumentException("the output folder " + folder + " is not writable");
  }

  private static java.awt.image.BufferedImage readImage(Path file) throws IOException {
    // diffusers' load_image: convert("RGB"), alpha dropped
    return Alpha.drop(decode("--init-image", file));
  }

  private static java.awt.image.BufferedImage decode(String option, Path file) throws IOException {
    if (!Files.isRegularFile(file))
      throw new IllegalArgumentException(option + " " + file + ": no such file");
    if (Files.size(file) > 64L << 20)
      throw new IllegalArgumentException(option + " " + file + ": larger than 64 MB");
    try {
      return ImageDecoder.decode(Files.readAllBytes(file), ImageLimits.UPLOADS);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + " " + file + ": " + e.getMessage());
    }
  }

  /**
   * The --mask file as an inpainting mask the size of {@code picture}: by its alpha when it has
   * transparency (A1111's rule for painted strokes on a transparent layer, alpha > 128 repaints),
   * else by its luminance; resized to the picture's size with a warning when it differs.
   */
  private InpaintMask readMask(java.awt.image.BufferedImage picture) throws IOException {
    GrayImage m = maskValues(decode("--mask", mask));
    int w = picture.getWidth();
    int h = picture.getHeight();
    if (m.width() != w || m.height() != h) {
      System.err.printf(
          "warning: --mask is %dx%d, the init image %dx%d: resizing the mask to %dx%d%n",
          m.width(), m.height(), w, h, w, h);
      m = Masks.resize(m, w, h);
    }
    if (onlyMasked && maskCropPadding != null)
      throw new IllegalArgumentException(
          "--inpaint-only-masked (A1111's, the original's size) and --mask-crop-padding"
              + " (diffusers', the output's size) do not go together; choose one");
    int blurX = maskBlurX != null ? maskBlurX : maskBlur;
    int blurY = maskBlurY != null ? maskBlurY : maskBlur;
    Integer crop = onlyMasked ? Integer.valueOf(maskPadding) : maskCropPadding;
    try {
      return new InpaintMask(
          m, blurX, blurY, invertMask, overlay && crop == null, crop, onlyMasked, fill(fill));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--mask options: " + e.getMessage());
    }
  }

  private static InpaintMask.Fill fill(String name) {
    for (InpaintMask.Fill f : InpaintMask.Fill.values()) if (f.cliName().equals(name)) return f;
    throw new IllegalArgumentException(
        "--fill " + name + " is unknown; accepted: original, fill, latent-noise, latent-nothing");
  }

  /** Alpha (> 128 repaints) when the picture has any transparency, else luminance. */
  static GrayImage maskValues(java.awt.image.BufferedImage image) {
    if (image.getColorModel().hasAlpha()) {
      int w = image.getWidth();
      int h = image.getHeight();
      int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
      boolean transparent = false;
      for (int p : argb) transparent |= (p >>> 24) != 255;
      if (transparent) {
        int[] v = new int[argb.length];
        for (int i = 0; i < v.length; i++) v[i] = (argb[i] >>> 24) > 128 ? 255 : 0;
        return new GrayImage(w, h, v);
      }
    }
    return Masks.luminance(image);
  }

  /** A one-line progress bar with steps per second and time left. */
  static final class ProgressBar implements ProgressListener {
    private final PrintStream err;
    private final long start = System.nanoTime();
    private boolean drawn;

    ProgressBar(PrintStream err) {
      this.err = err;
    }

    @Override
    public boolean onStep(
        int step, int total, java.util.function.Supplier<java.awt.image.BufferedImage> preview) {
      double seconds = (System.nanoTime() - start) / 1e9;
      double rate = step / Math.max(seconds, 1e-9);
      int width = 30;
      int filled = (int) Math.round(width * (double) step / total);
      err.printf(
          "\r[%s%s] %d/%d steps  %.2f it/s  ETA %.0f s ",
          "#".repeat(filled),
          ".".repeat(width - filled),
          step,
          total,
          rate,
          (total - step) / Math.max(rate, 1e-9));
      drawn = true;
      return true;
    }

    void finish() {
      if (drawn) err.printf("%ntotal %.1f s%n", (System.nanoTime() - start) / 1e9);
    }
  }
}
