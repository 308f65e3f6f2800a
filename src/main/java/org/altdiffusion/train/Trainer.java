package org.altdiffusion.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.altdiffusion.engine.Autocast;
import org.altdiffusion.engine.ShutdownGate;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.nn.Parameter;
import org.altdiffusion.train.data.Batch;
import org.altdiffusion.train.data.SampleStream;
import org.altdiffusion.train.data.SkipReason;
import org.altdiffusion.train.distributed.Distributed;
import org.altdiffusion.train.optim.AdamWOptimizer;
import org.altdiffusion.train.optim.Ema;
import org.altdiffusion.train.optim.Gradients;
import org.altdiffusion.train.optim.LrSchedule;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * The training loop shared by every task: per step, {@code gradAccumulation} micro-batches of
 * forward + backward, gradients averaged over processes, clipped, one AdamW update at the step's
 * learning rate, the EMA moved; resume checkpoints every N steps; a JSONL log, a progress line and
 * a loss-curve PNG. Every step runs in its own PointerScope.
 *
 * <p>Output folder: {@code log.jsonl}, {@code checkpoints/step-NNNNNNNN/} (weights.safetensors,
 * ema.safetensors, optimizer.pt, state.json), {@code final/} (the trained weights, exported by the
 * task), {@code final-ema/} (the EMA weights, when kept) and {@code loss.png}.
 */
public final class Trainer<T> {
  static final String WEIGHTS = "weights.safetensors";
  static final String EMA = "ema.safetensors";
  static final String OPTIMIZER = "optimizer.pt";
  static final String STATE = "state.json";
  private static final int MAX_CONSECUTIVE_SKIPS = 10;
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param out output folder
   * @param resume continue from the newest checkpoint in {@code out/checkpoints} when there is one
   * @param resumeFrom continue from this checkpoint folder (overrides {@code resume}); null for
   *     none
   * @param progress where the progress line goes (null: nowhere)
   * @param terminal redraw the progress line in place
   * @param export write {@code final/} (and {@code final-ema/}) at the end
   */
  public record Options(
      Path out,
      boolean resume,
      Path resumeFrom,
      PrintStream progress,
      boolean terminal,
      boolean export) {
    public static Options quiet(Path out) {
      return new Options(out, false, null, null, false, true);
    }
  }

  /**
   * @param steps steps done in total (resumed ones included)
   * @param firstLoss loss of the first step this run did (NaN if none)
   * @param lastLoss loss of the last step
   * @param skippedSteps steps left out because of a non-finite loss or gradient
   * @param skippedSamples examples left out, by reason, over all processes
   * @param lastCheckpoint newest checkpoint written or resumed from (null if none)
   */
  public record Result(
      long steps,
      double firstLoss,
      double lastLoss,
      long skippedSteps,
      Map<SkipReason, Long> skippedSamples,
      Path lastCheckpoint) {}

  private final TrainConfig config;
  private final TrainingTask<T> task;
  private final Distributed dist;
  private final Options options;
  private final CheckpointStore checkpoints;

  public Trainer(TrainConfig config, TrainingTask<T> task, Distributed dist, Options options) {
    this.config = config;
    this.task = task;
    this.dist = dist;
    this.options = options;
    this.checkpoints = new CheckpointStore(options.out().resolve("checkpoints"));
    if (config.batchSize() % dist.worldSize() != 0) {
      throw new IllegalArgumentException(
          "--batch-size "
              + config.batchSize()
              + " must be a multiple of the world size "
              + dist.worldSize()
              + " (each process takes an equal share)");
    }
  }

  public CheckpointStore checkpoints() {
    return checkpoints;
  }

  public Result run() throws IOException {
    Map<String, Parameter> trainable = task.trainable();
    List<Tensor> values = new ArrayList<>();
    trainable.values().forEach(p -> values.add(p.get()));
    dist.broadcastFromMain(values); // every process starts from rank 0's weights, as DDP does
    int localBatch = config.batchSize() / dist.worldSize();
    LrSchedule schedule = config.schedule();
    TrainingRandom random = new TrainingRandom(config.seed());
    SampleStream<T> stream =
        new SampleStream<>(
            task.dataset(), config.seed(), config.shuffle(), dist.rank(), dist.worldSize());
    if (dist.isMain()) checkpoints.cleanStale();

    try (AdamWOptimizer optimizer = new AdamWOptimizer(trainable, config.optimizerSettings());
        Ema ema = config.emaDecay() > 0 ? new Ema(trainable, config.emaDecay()) : null) {
      Path resumeFrom =
          options.resumeFrom() != null
              ? options.resumeFrom()
              : options.resume() ? checkpoints.latest().orElse(null) : null;
      long start = 0;
      long skippedSteps = 0;
      int consecutiveSkips = 0;
      Path lastGood = null;
      if (resumeFrom != null) {
        JsonNode state = restore(resumeFrom, trainable, optimizer, ema, random, stream);
        start = state.get("step").asLong();
        skippedSteps = state.path("skipped_steps").asLong();
        consecutiveSkips = state.path("consecutive_skipped_steps").asInt();
        lastGood = resumeFrom;
      }
      TrainingLog log =
          dist.isMain() ? TrainingLog.open(options.out().resolve("log.jsonl"), start) : null;
      ProgressBar bar =
          options.progress() != null && dist.isMain()
              ? new ProgressBar(options.progress(), start, config.steps(), options.terminal())
              : null;
      double firstLoss = Double.NaN;
      double lastLoss = Double.NaN;
      try {
        if (log != null) {
          ObjectNode begin =
              log.line()
                  .put("event", resumeFrom == null ? "start" : "resume")
                  .put("step", start)
                  .put("task", task.kind())
                  .put("world_size", dist.worldSize())
                  .put("data", task.dataset().describe());
          if (resumeFrom != null) begin.put("checkpoint", resumeFrom.toString());
          log.write(begin);
        }
        for (long step = start; step < config.steps(); step++) {
          ShutdownGate.checkProcess("training before step " + step);
          double lr = schedule.lr(step);
          long t0 = System.nanoTime();
          double loss;
          double norm;
          boolean updated;
          try (PointerScope scope = new PointerScope()) {
            optimizer.setLearningRate(lr);
            optimizer.zeroGrad();
            double lossSum = 0;
            for (int micro = 0; micro < config.gradAccumulation(); micro++) {
              Batch<T> batch = stream.next(localBatch);
              Tensor microLoss;
              try (Autocast region = Autocast.to(config.mixedPrecision())) {
                microLoss = task.loss(batch, random); // backward follows the types it recorded
              }
              lossSum += microLoss.item_double();
              (config.gradAccumulation() == 1
                      ? microLoss
                      : microLoss.div(
                          org.altdiffusion.engine.Tensors.scalar(config.gradAccumulation())))
                  .backward();
            }
            loss = dist.allReduceSum(lossSum / config.gradAccumulation()) / dist.worldSize();
            dist.allReduceMean(Gradients.defined(optimizer.parameterVector()));
            norm = Gradients.clip(optimizer.parameterVector(), config.maxGradNorm());
            updated = Double.isFinite(loss) && Double.isFinite(norm);
            if (updated) {
              optimizer.step();
              if (ema != null) ema.update(trainable);
            }
            optimizer.zeroGrad();
          }
          long done = step + 1;
          if (updated) {
            consecutiveSkips = 0;
            if (Double.isNaN(firstLoss)) firstLoss = loss;
            lastLoss = loss;
          } else {
            String what =
                (Double.isFinite(loss) ? "gradient norm is " + norm : "loss is " + loss)
                    + " at step "
                    + done;
            String where =
                lastGood == null
                    ? "no checkpoint was written yet"
                    : "last good checkpoint: " + lastGood;
            if (config.onNonFinite() == NonFinitePolicy.STOP) {
              if (log != null)
                log.write(log.line().put("event", "stopped").put("step", done).put("reason", what));
              throw new TrainingException(
                  what + "; stopped (" + where + "; --on-nan skip leaves such steps out)");
            }
            skippedSteps++;
            if (++consecutiveSkips >= MAX_CONSECUTIVE_SKIPS) {
              throw new TrainingException(
                  what
                      + ": "
                      + consecutiveSkips
                      + " steps in a row skipped; stopped ("
                      + where
                      + ")");
            }
          }
          double seconds = (System.nanoTime() - t0) / 1e9;
          if (log != null) {
            ObjectNode line =
                log.line()
                    .put("step", done)
                    .put("loss", loss)
                    .put("lr", lr)
                    .put("grad_norm", norm)
                    .put("seconds", seconds)
                    .put("epoch", stream.epoch());
            if (!updated) line.put("skipped", true);
            log.write(line);
          }
          if (bar != null) bar.update(done, loss, lr);
          boolean due = config.checkpointEvery() > 0 && done % config.checkpointEvery() == 0;
          if (due || done == config.steps()) {
            lastGood =
                checkpoint(
                    done,
                    trainable,
                    optimizer,
                    ema,
                    random,
                    stream,
                    skippedSteps,
                    consecutiveSkips,
                    log);
          }
        }
        Map<SkipReason, Long> skipped = totalSkips(stream);
        if (dist.isMain()) {
          if (options.export()) export(trainable, ema);
          Path png = options.out().resolve("loss.png");
          LossCurve.write(
              TrainingLog.losses(log.file()),
              task.kind() + " - " + config.steps() + " steps, lr " + config.lr(),
              png);
          ObjectNode end =
              log.line()
                  .put("event", "end")
                  .put("step", config.steps())
                  .put("skipped_steps", skippedSteps);
          ObjectNode s = end.putObject("skipped_samples");
          skipped.forEach((r, n) -> s.put(r.name().toLowerCase(Locale.ROOT), n));
          log.write(end);
        }
        dist.barrier();
        return new Result(config.steps(), firstLoss, lastLoss, skippedSteps, skipped, lastGood);
      } finally {
        if (log != null) log.close();
      }
    }
  }

  private Map<SkipReason, Long> totalSkips(SampleStream<T> stream) {
    long[][] all = dist.allGather(stream.state());
    Map<SkipReason, Long> out = new LinkedHashMap<>();
    for (SkipReason r : SkipReason.values()) {
      long n = 0;
      for (long[] s : all) n += s[1 + r.ordinal()];
      out.put(r, n);
    }
    return out;
  }

  private void export(Map<String, Parameter> trainable, Ema ema) throws IOException {
    Map<String, Tensor> trained = new LinkedHashMap<>();
    trainable.forEach((k, p) -> trained.put(k, p.get().detach()));
    task.export(options.out().resolve("final"), trained);
    if (ema != null) task.export(options.out().resolve("final-ema"), ema.weights());
  }

  private Path checkpoint(
      long step,
      Map<String, Parameter> trainable,
      AdamWOptimizer optimizer,
      Ema ema,
      TrainingRandom random,
      SampleStream<T> stream,
      long skippedSteps,
      int consecutiveSkips,
      TrainingLog log)
      throws IOException {
    long[][] data = dist.allGather(stream.state()); // collective: every process takes part
    Path written = null;
    if (dist.isMain()) {
      ObjectNode state = JSON.createObjectNode();
      state.put("format", 1);
      state.put("kind", task.kind());
      state.put("step", step);
      state.put("world_size", dist.worldSize());
      state.set("config", config.fingerprint());
      state.set("task", task.fingerprint());
      ArrayNode names = state.putArray("trainable");
      trainable.keySet().forEach(names::add);
      ArrayNode ranks = state.putArray("data");
      for (long[] d : data) {
        ArrayNode a = ranks.addArray();
        for (long v : d) a.add(v);
      }
      TrainingRandom.State rs = random.state();
      state.putObject("random").put("torch", rs.torch()).put("java", rs.java());
      state.put("ema_updates", ema == null ? 0 : ema.updates());
      state.put("skipped_steps", skippedSteps);
      state.put("consecutive_skipped_steps", consecutiveSkips);
      state.put("lr_next", config.schedule().lr(step));
      written =
          checkpoints.write(
              step,
              folder -> {
                Map<String, Tensor> weights = new LinkedHashMap<>();
                trainable.forEach((k, p) -> weights.put(k, p.get().detach()));
                SafeTensors.write(
                    folder.resolve(WEIGHTS), weights, Map.of("step", Long.toString(step)));
                if (ema != null)
                  SafeTensors.write(
                      folder.resolve(EMA), ema.weights(), Map.of("step", Long.toString(step)));
                optimizer.save(folder.resolve(OPTIMIZER));
                Files.writeString(
                    folder.resolve(STATE),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state),
                    StandardCharsets.UTF_8);
              },
              config.keepCheckpoints());
      if (log != null)
        log.write(
            log.line()
                .put("event", "checkpoint")
                .put("step", step)
                .put("path", written.toString()));
    }
    dist.barrier();
    return written != null ? written : checkpoints.dir().resolve(CheckpointStore.name(step));
  }

  private JsonNode restore(
      Path checkpoint,
      Map<String, Parameter> trainable,
      AdamWOptimizer optimizer,
      Ema ema,
      TrainingRandom random,
      SampleStream<T> stream)
      throws IOException {
    List<String> required = new ArrayList<>(List.of(WEIGHTS, OPTIMIZER, STATE));
    if (ema != null) required.add(EMA);
    CheckpointStore.checkComplete(checkpoint, required);
    JsonNode state = JSON.readTree(checkpoint.resolve(STATE).toFile());
    String cannot = "cannot resume from " + checkpoint + ": ";
    if (state.path("format").asInt() != 1)
      throw new TrainingException(cannot + "unknown checkpoint format " + state.path("format"));
    if (!task.kind().equals(state.path("kind").asText())) {
      throw new TrainingException(
          cannot
              + "it is a '"
              + state.path("kind").asText()
              + "' checkpoint, this run is '"
              + task.kind()
              + "'");
    }
    List<String> differences = new ArrayList<>();
    diff("", state.path("config"), config.fingerprint(), differences);
    diff("", state.path("task"), task.fingerprint(), differences);
    if (state.path("world_size").asInt() != dist.worldSize()) {
      differences.add(
          "world_size: "
              + state.path("world_size").asInt()
              + " in the checkpoint, "
              + dist.worldSize()
              + " now");
    }
    List<String> names = new ArrayList<>();
    state.path("trainable").forEach(n -> names.add(n.asText()));
    if (!names.equals(new ArrayList<>(trainable.keySet()))) {
      differences.add(
          "trained parameters: "
              + names.size()
              + " in the checkpoint, "
              + trainable.size()
              + " now"
              + (names.size() == trainable.size() ? " (different names)" : ""));
    }
    if (!differences.isEmpty()) {
      throw new TrainingException(
          cannot
              + "it was written with a different configuration: "
              + String.join("; ", differences));
    }
    try (TensorSource weights = SafeTensors.open(checkpoint.resolve(WEIGHTS));
        NoGradGuard g = new NoGradGuard()) {
      for (var e : trainable.entrySet()) {
        if (!weights.keys().contains(e.getKey()))
          throw new TrainingException(cannot + "weights lack '" + e.getKey() + "'");
        try (PointerScope scope = new PointerScope()) {
          e.getValue()
              .get()
              .copy_(weights.loadRaw(e.getKey())); // raw: a float64 run keeps its precision
        }
      }
    }
    if (ema != null) {
      try (TensorSource weights = SafeTensors.open(checkpoint.resolve(EMA))) {
        ema.load(weights, state.path("ema_updates").asLong());
      }
    }
    optimizer.load(checkpoint.resolve(OPTIMIZER));
    random.restore(
        new TrainingRandom.State(
            state.path("random").path("torch").asText(),
            state.path("random").path("java").asText()));
    JsonNode mine = state.path("data").path(dist.rank());
    long[] data = new long[mine.size()];
    for (int i = 0; i < data.length; i++) data[i] = mine.get(i).asLong();
    stream.restore(data);
    return state;
  }

  /** Lists the fields that differ between two JSON objects, with dotted names. */
  static void diff(String prefix, JsonNode saved, JsonNode now, List<String> out) {
    java.util.Set<String> keys = new java.util.LinkedHashSet<>();
    saved.fieldNames().forEachRemaining(keys::add);
    now.fieldNames().forEachRemaining(keys::add);
    for (String k : keys) {
      JsonNode a = saved.get(k);
      JsonNode b = now.get(k);
      if (a != null && b != null && a.isObject() && b.isObject()) {
        diff(prefix + k + ".", a, b, out);
      } else if (a == null || b == null || !equalValues(a, b)) {
        out.add(
            prefix
                + k
                + ": "
                + (a == null ? "absent" : a.toString())
                + " in the checkpoint, "
                + (b == null ? "absent" : b.toString())
                + " now");
      }
    }
  }

  private static boolean equalValues(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) return a.asDouble() == b.asDouble();
    return a.equals(b);
  }
}
