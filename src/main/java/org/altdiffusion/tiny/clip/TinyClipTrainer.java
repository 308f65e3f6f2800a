package org.altdiffusion.tiny.clip;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.altdiffusion.engine.ShutdownGate;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.nn.Parameter;
import org.altdiffusion.tiny.data.Attributes;
import org.altdiffusion.tiny.data.CaptionTemplate;
import org.altdiffusion.tiny.data.Sample;
import org.altdiffusion.tiny.data.Scene;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Split;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Trains the teacher CLIP contrastively on the English captions of the TRAIN split: batches of
 * pictures with their captions, the symmetric loss of {@link TinyClip#contrastiveLoss}, AdamW with
 * a linear warm-up and a cosine decay, gradient norm clipped at 1, the temperature capped at 100.
 * One {@code PointerScope} per step keeps native memory flat. Deterministic for given options
 * without a time budget (one process, the same thread settings).
 */
public final class TinyClipTrainer {
  /**
   * @param seed initialisation and batch order
   * @param dataSeed the dataset seed (which combinations are held out)
   * @param steps optimizer steps; with {@code minutes > 0}, the most steps
   * @param minutes a time budget (0: none): training stops when it is spent, and the learning-rate
   *     schedule advances by the share of it spent when that is ahead of the step count (so the run
   *     is then not reproducible step for step; give steps alone for that)
   * @param batchSize pictures (and captions) per step
   * @param learningRate peak learning rate
   * @param weightDecay AdamW decay of weight matrices (not of biases, norms, embeddings,
   *     temperature)
   * @param warmupFraction fraction of the steps with a linearly rising learning rate
   * @param trainSamples how many TRAIN samples to draw from (rendered once, then cached as bytes)
   * @param partialShare share of partial captions among them (0: the original captions; see {@link
   *     ShapesDataset})
   */
  public record Options(
      long seed,
      long dataSeed,
      int steps,
      double minutes,
      int batchSize,
      double learningRate,
      double weightDecay,
      double warmupFraction,
      int trainSamples,
      double partialShare) {
    public Options {
      if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
      if (!(minutes >= 0))
        throw new IllegalArgumentException("minutes must be >= 0, got " + minutes);
      if (batchSize < 2)
        throw new IllegalArgumentException(
            "batch size must be >= 2 (contrastive), got " + batchSize);
      if (!(learningRate > 0))
        throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
      if (!(weightDecay >= 0))
        throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
      if (!(warmupFraction >= 0 && warmupFraction < 1))
        throw new IllegalArgumentException(
            "warmup fraction must be in [0, 1), got " + warmupFraction);
      if (trainSamples < batchSize)
        throw new IllegalArgumentException(
            "trainSamples " + trainSamples + " is smaller than the batch " + batchSize);
    }

    /**
     * The recipe's settings: batch 128, lr 2e-3, weight decay 0.05, 5% warm-up, the whole TRAIN
     * split.
     */
    public static Options defaults(int steps, double minutes) {
      return new Options(0, 0, steps, minutes, 128, 2e-3, 0.05, 0.05, 17_600, 0);
    }

    public Options withSteps(int steps) {
      return new Options(
          seed,
          dataSeed,
          steps,
          minutes,
          batchSize,
          learningRate,
          weightDecay,
          warmupFraction,
          trainSamples,
          partialShare);
    }
  }

  /**
   * @param clip the trained teacher
   * @param steps optimizer steps taken
   * @param seconds training time (wall clock, evaluation excluded)
   * @param losses the loss of every step
   */
  public record Result(TinyClip clip, int steps, double seconds, float[] losses) {
    /** Mean loss of the first {@code n} steps. */
    public double meanFirst(int n) {
      return mean(0, Math.min(n, losses.length));
    }

    /** Mean loss of the last {@code n} steps. */
    public double meanLast(int n) {
      return mean(Math.max(0, losses.length - n), losses.length);
    }

    private double mean(int from, int to) {
      double s = 0;
      for (int i = from; i < to; i++) s += losses[i];
      return to > from ? s / (to - from) : Double.NaN;
    }
  }

  private static final double MAX_GRAD_NORM = 1.0;
  private static final double MAX_LOGIT_SCALE = Math.log(100);

  private TinyClipTrainer() {}

  /** Creates a teacher for the tokenizer in {@code tokenizerFolder} and trains it. */
  public static Result train(
      TinyClipConfig config, Path tokenizerFolder, Options options, Consumer<String> log) {
    if (Torch.applied() == null) Torch.init(); // keep thread settings a caller chose
    return train(TinyClip.create(config, tokenizerFolder, options.seed()), options, log);
  }

  /** Trains {@code clip} in place. */
  public static Result train(TinyClip clip, Options options, Consumer<String> log) {
    if (Torch.applied() == null) Torch.init();
    Batches batches =
        new Batches(
            ShapesDataset.of(
                options.dataSeed(),
                Split.TRAIN,
                ShapesDataset.of(options.dataSeed(), Split.TRAIN).size(),
                options.partialShare()),
            options.trainSamples(),
            options.batchSize(),
            options.seed());
    List<List<Parameter>> groups = clip.parameterGroups();
    AdamW decayed = optimizer(groups.get(0), options.learningRate(), options.weightDecay());
    AdamW plain = optimizer(groups.get(1), options.learningRate(), 0.0);
    TensorVector all = vector(clip.namedParameters().values());
    int steps = options.steps();
    float[] losses = new float[steps];
    double budget = options.minutes() * 60;
    long start = System.nanoTime();
    int step = 0;
    for (; step < steps; step++) {
      ShutdownGate.checkProcess("training the teacher CLIP before step " + step);
      double elapsed = (System.nanoTime() - start) / 1e9;
      if (budget > 0 && elapsed >= budget) {
        log.accept(
            String.format(
                "time budget of %.1f minutes reached after %d steps", options.minutes(), step));
        break;
      }
      // With a budget the schedule follows the clock (the share of the budget spent) when that is
      // further along than the step count, so a slow machine still warms up, decays and stops in
      // time.
      int scheduleStep =
          budget > 0 ? Math.max(step, Math.min(steps - 1, (int) (elapsed / budget * steps))) : step;
      double lr = learningRate(scheduleStep, steps, options);
      decayed.param_groups().get(0).options().set_lr(lr);
      plain.param_groups().get(0).options().set_lr(lr);
      try (PointerScope scope = new PointerScope()) {
        Batch b = batches.next();
        Tensor[] text = clip.tokenizeTrimmed(b.captions());
        Tensor loss = clip.contrastiveLoss(b.pixels(), text[0], text[1], b.positives());
        decayed.zero_grad();
        plain.zero_grad();
        loss.backward();
        torch.clip_grad_norm_(all, MAX_GRAD_NORM);
        decayed.step();
        plain.step();
        try (NoGradGuard g = new NoGradGuard()) {
          clip.logitScale().clamp_max_(new Scalar(MAX_LOGIT_SCALE));
        }
        losses[step] = (float) loss.item_double();
      }
      if (step % 25 == 0 || step == steps - 1) {
        log.accept(
            String.format(
                "step %d/%d loss %.4f lr %.2e temperature %.1f (%.0f s)",
                step + 1,
                steps,
                losses[step],
                lr,
                Math.exp(Tensors.toFloats(clip.logitScale())[0]),
                (System.nanoTime() - start) / 1e9));
      }
    }
    return new Result(
        clip, step, (System.nanoTime() - start) / 1e9, java.util.Arrays.copyOf(losses, step));
  }

  /** Linear warm-up to the peak, then cosine decay to a tenth of it. */
  static double learningRate(int step, int steps, Options o) {
    int warmup = (int) Math.ceil(o.warmupFraction() * steps);
    if (step < warmup) return o.learningRate() * (step + 1) / warmup;
    double progress = steps - warmup <= 1 ? 1 : (double) (step - warmup) / (steps - warmup - 1);
    double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
    return o.learningRate() * (0.1 + 0.9 * cosine);
  }

  private static AdamW optimizer(List<Parameter> params, double lr, double weightDecay) {
    AdamWOptions o = new AdamWOptions(lr);
    o.weight_decay().put(weightDecay);
    return new AdamW(vector(params), o);
  }

  private static TensorVector vector(java.util.Collection<Parameter> params) {
    Tensor[] tensors = params.stream().map(Parameter::get).toArray(Tensor[]::new);
    return new TensorVector(tensors);
  }

  /** One batch: pictures, English captions, and which caption describes which picture. */
  record Batch(Tensor pixels, List<String> captions, Tensor positives) {}

  /**
   * Batches from the first {@code size} TRAIN samples in a seeded order, a fresh permutation each
   * epoch. Pictures are rendered on first use (in parallel) and kept as RGB bytes.
   */
  static final class Batches {
    private final ShapesDataset data;
    private final int batchSize;
    private final Random random;
    private final byte[][] rgb;
    private final String[] captions;
    private final Attributes[] attributes;
    private final CaptionTemplate[] templates;
    private int[] order;
    private int cursor;

    Batches(ShapesDataset data, int size, int batchSize, long seed) {
      if (size > data.size())
        throw new IllegalArgumentException(
            "trainSamples " + size + " exceeds the TRAIN split's " + data.size());
      this.data = data;
      this.batchSize = batchSize;
      this.random = new Random(seed);
      this.rgb = new byte[size][];
      this.captions = new String[size];
      this.attributes = new Attributes[size];
      this.templates = new CaptionTemplate[size];
      this.order = permutation(size);
    }

    private int[] permutation(int n) {
      int[] p = IntStream.range(0, n).toArray();
      for (int i = n - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
      return p;
    }

    Batch next() {
      int[] indices = new int[batchSize];
      for (int b = 0; b < batchSize; b++) {
        if (cursor == order.length) {
          order = permutation(order.length);
          cursor = 0;
        }
        indices[b] = order[cursor++];
      }
      IntStream.of(indices).distinct().parallel().filter(i -> rgb[i] == null).forEach(this::render);
      int plane = Scene.SIDE * Scene.SIDE;
      float[] pixels = new float[batchSize * 3 * plane];
      List<String> text = new ArrayList<>(batchSize);
      for (int b = 0; b < batchSize; b++) {
        byte[] px = rgb[indices[b]];
        for (int i = 0; i < 3 * plane; i++)
          pixels[b * 3 * plane + i] = (px[i] & 0xFF) / 127.5f - 1f; // as Sample.pixels
        text.add(captions[indices[b]]);
      }
      float[] positives = new float[batchSize * batchSize];
      for (int i = 0; i < batchSize; i++) {
        for (int j = 0; j < batchSize; j++) {
          positives[i * batchSize + j] =
              describes(templates[indices[j]], attributes[indices[j]], attributes[indices[i]])
                  ? 1f
                  : 0f;
        }
      }
      return new Batch(
          Tensors.fromFloats(pixels, batchSize, 3, Scene.SIDE, Scene.SIDE),
          text,
          Tensors.fromFloats(positives, batchSize, batchSize));
    }

    private void render(int index) {
      Sample s = data.get(index);
      int plane = Scene.SIDE * Scene.SIDE;
      byte[] px = new byte[3 * plane];
      int[] packed = s.rgb();
      for (int i = 0; i < plane; i++) {
        px[i] = (byte) (packed[i] >> 16);
        px[plane + i] = (byte) (packed[i] >> 8);
        px[2 * plane + i] = (byte) packed[i];
      }
      captions[index] = s.englishCaption();
      attributes[index] = s.attributes();
      templates[index] = s.template();
      rgb[index] = px; // last: a non-null picture means the sample is complete
    }
  }

  /**
   * Whether a caption said with {@code template} about {@code said} is true of a picture of {@code
   * shown}.
   */
  static boolean describes(CaptionTemplate template, Attributes said, Attributes shown) {
    return template.describes(said, shown);
  }
}
