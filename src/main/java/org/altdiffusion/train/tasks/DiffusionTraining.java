package org.altdiffusion.train.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.lora.LoraExport;
import org.altdiffusion.lora.LoraNetwork;
import org.altdiffusion.models.text.TextConditioning;
import org.altdiffusion.models.text.TextEncoder;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.models.vae.DiagonalGaussian;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.Parameter;
import org.altdiffusion.schedulers.NoiseSchedule;
import org.altdiffusion.train.TrainingRandom;
import org.altdiffusion.train.TrainingTask;
import org.altdiffusion.train.data.Batch;
import org.altdiffusion.train.data.Dataset;
import org.altdiffusion.train.data.ImageText;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Step 2 of the AltDiffusion recipe: the UNet learns to denoise latents conditioned on the
 * multilingual text encoder, in two stages.
 *
 * <ul>
 *   <li>{@link Stage#CONCEPT_ALIGNMENT}: text encoder, VAE and UNet frozen except the
 *       cross-attention key and value projections ({@code *.attn2.to_k.weight}, {@code
 *       *.attn2.to_v.weight}); the recipe ran it at 256x256.
 *   <li>{@link Stage#QUALITY}: every UNet parameter, at full resolution.
 * </ul>
 *
 * Per example: latents = scaling_factor * a sample of the VAE's latent distribution, a random
 * timestep, Gaussian noise; the UNet predicts the target of the scheduler config's prediction_type
 * (the noise for epsilon, {@code NoiseSchedule.getVelocity} for v_prediction) from the noised
 * latents and the text conditioning; the loss is their mean squared error. Captions are replaced by
 * the empty text with probability {@code captionDropout} (classifier-free guidance). Random draws,
 * for the whole global batch in this order: latent-sampling noise, noise, timesteps (torch
 * generator), caption dropout (Java random).
 */
public final class DiffusionTraining implements TrainingTask<ImageText> {
  public enum Stage {
    CONCEPT_ALIGNMENT("concept-alignment"),
    QUALITY("quality");

    private final String key;

    Stage(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }

    public static Stage parse(String s) {
      for (Stage st : values()) if (st.key.equals(s.toLowerCase(Locale.ROOT))) return st;
      throw new IllegalArgumentException(
          "unknown stage '" + s + "'; accepted: concept-alignment, quality");
    }

    /** Whether this stage trains the UNet parameter {@code name}. */
    public boolean trains(String name) {
      return this == QUALITY
          || name.endsWith(".attn2.to_k.weight")
          || name.endsWith(".attn2.to_v.weight");
    }
  }

  private final UNet2DConditionModel unet;
  private final AutoencoderKL vae;
  private final TextEncoder textEncoder;
  private final TextConditioning text;
  private final int maxLength;
  private final NoiseSchedule schedule;
  private final String predictionType;
  private final Stage stage;
  private final double captionDropout;
  private final double snrGamma;
  private final Dataset<ImageText> data;
  private final LatentCache cache;
  private final Path baseModel;
  private final ObjectNode sources;
  private LoraNetwork lora;
  private String loraName;

  /**
   * @param text captions to conditioning, with the mask rule the pipeline uses at inference, so
   *     that the UNet trains on the conditioning it will see
   * @param maxLength the length captions are padded or cut to
   * @param cache precomputed latent distributions by example key, or null to encode every batch
   * @param baseModel the diffusers pipeline folder trained from (copied around the new UNet on
   *     export)
   * @param sources what the fingerprint records about models and data
   */
  public DiffusionTraining(
      UNet2DConditionModel unet,
      AutoencoderKL vae,
      TextConditioning text,
      int maxLength,
      NoiseSchedule schedule,
      String predictionType,
      Stage stage,
      double captionDropout,
      double snrGamma,
      Dataset<ImageText> data,
      LatentCache cache,
      Path baseModel,
      ObjectNode sources) {
    if (!predictionType.equals("epsilon") && !predictionType.equals("v_prediction")) {
      throw new IllegalArgumentException(
          "prediction_type '"
              + predictionType
              + "' cannot be trained here; accepted: epsilon, v_prediction");
    }
    if (!(captionDropout >= 0 && captionDropout <= 1))
      throw new IllegalArgumentException(
          "--caption-dropout must be in [0, 1], got " + captionDropout);
    if (!(snrGamma >= 0) || Double.isInfinite(snrGamma))
      throw new IllegalArgumentException(
          "--snr-gamma must be 0 (off) or a positive number, got " + snrGamma);
    TextEncoder textEncoder = text.encoder();
    if (textEncoder.hiddenSize() != unet.config.crossAttentionDim()) {
      throw new IllegalArgumentException(
          "the text encoder gives "
              + textEncoder.hiddenSize()
              + " values per token but the UNet's cross_attention_dim is "
              + unet.config.crossAttentionDim());
    }
    this.unet = unet;
    this.vae = vae;
    this.textEncoder = textEncoder;
    this.text = text;
    this.maxLength = maxLength;
    this.schedule = schedule;
    this.predictionType = predictionType;
    this.stage = stage;
    this.captionDropout = captionDropout;
    this.snrGamma = snrGamma;
    this.data = data;
    this.cache = cache;
    this.baseModel = baseModel;
    this.sources = sources;
    vae.setTrainable(n -> true, false);
    if (textEncoder instanceof Module m) m.setTrainable(n -> true, false);
    unet.setTrainable(n -> true, false);
    unet.setTrainable(stage::trains, true);
    if (trainable().isEmpty())
      throw new IllegalArgumentException(
          "stage " + stage.key() + " finds no parameter to train in this UNet");
  }

  /**
   * Trains {@code network}'s LoRA factors instead of UNet weights (the whole UNet frozen, as
   * diffusers' {@code train_text_to_image_lora}); the export writes the LoRA files {@code
   * <outputName>.safetensors} (kohya/A1111) and {@code pytorch_lora_weights.safetensors}
   * (diffusers/PEFT) instead of a pipeline folder.
   */
  public DiffusionTraining trainLora(LoraNetwork network, String outputName) {
    if (!outputName.matches("[\\w.+-]+"))
      throw new IllegalArgumentException(
          "--lora-name '" + outputName + "': use letters, digits, '_', '-', '+' and '.' only");
    unet.setTrainable(n -> true, false);
    this.lora = network;
    this.loraName = outputName;
    return this;
  }

  @Override
  public String kind() {
    return lora != null ? "unet-lora" : "unet-" + stage.key();
  }

  @Override
  public Map<String, Parameter> trainable() {
    if (lora != null) return lora.parameters();
    Map<String, Parameter> out = new LinkedHashMap<>();
    unet.namedParameters()
        .forEach(
            (k, p) -> {
              if (p.trainable()) out.put(k, p);
            });
    return out;
  }

  @Override
  public Dataset<ImageText> dataset() {
    return cache != null ? cache.dataset() : data;
  }

  @Override
  public Tensor loss(Batch<ImageText> batch, TrainingRandom random) {
    int b = batch.size();
    int g = batch.globalSize();
    DiagonalGaussian dist = latentDistribution(batch.items());
    long[] latentShape = Tensors.shape(dist.mean());
    long[] globalShape = latentShape.clone();
    globalShape[0] = g;
    // drawn on the CPU (the same draws on every device), used on the UNet's device; the timesteps
    // stay on the CPU, where the schedule reads them
    ComputeDevice device = unet.device();
    Tensor latents;
    try (NoGradGuard guard = new NoGradGuard()) {
      Tensor eps = device.place(batch.mine(random.randn(globalShape))); // [B, C, h, w]
      latents = dist.mean().add(dist.std().mul(eps)).mul(Tensors.scalar(vae.scalingFactor()));
    }
    Tensor noise = device.place(batch.mine(random.randn(globalShape))); // [B, C, h, w]
    Tensor timesteps = batch.mine(random.randint(schedule.numTrainTimesteps(), g)); // [B]
    boolean[] drop = batch.mine(random.flips(captionDropout, g));
    List<String> captions = new ArrayList<>(b);
    for (int i = 0; i < b; i++) captions.add(drop[i] ? "" : batch.items().get(i).caption());
    Tensor cond;
    try (NoGradGuard guard = new NoGradGuard()) {
      cond = device.place(text.encode(captions, maxLength)); // [B, T, cross_attention_dim]
    }
    if (lora != null) lora.attach(); // the layers see the factors' current values
    // The UNet may train in float64 (--precision): latents, noise and conditioning follow it.
    return diffusionLoss(
        unet,
        schedule,
        inUnetType(latents),
        inUnetType(noise),
        timesteps,
        inUnetType(cond),
        predictionType,
        snrGamma);
  }

  private Tensor inUnetType(Tensor t) {
    return t.scalar_type().value == unet.dtype().value ? t : t.to(unet.dtype());
  }

  /** MSE between the UNet's prediction on noised latents and the prediction type's target. */
  public static Tensor diffusionLoss(
      UNet2DConditionModel unet,
      NoiseSchedule schedule,
      Tensor latents,
      Tensor noise,
      Tensor timesteps,
      Tensor cond,
      String predictionType) {
    return diffusionLoss(unet, schedule, latents, noise, timesteps, cond, predictionType, 0);
  }

  /**
   * The diffusion loss; with {@code snrGamma > 0} each example's MSE is weighted by min-SNR-gamma
   * (Hang et al. 2023, as diffusers' training scripts: min(SNR, gamma) / SNR for epsilon, min(SNR,
   * gamma) / (SNR + 1) for v_prediction), which stops the nearly clean timesteps, easy and many,
   * from dominating the gradient.
   */
  public static Tensor diffusionLoss(
      UNet2DConditionModel unet,
      NoiseSchedule schedule,
      Tensor latents,
      Tensor noise,
      Tensor timesteps,
      Tensor cond,
      String predictionType,
      double snrGamma) {
    return diffusionLoss(
        noisy -> unet.forward(noisy, timesteps, cond),
        schedule,
        latents,
        noise,
        timesteps,
        predictionType,
        snrGamma);
  }

  /**
   * The diffusion loss of any denoiser: {@code predict} maps the noised latents [B, C, h, w] to the
   * prediction (the UNet, or the UNet fed a ControlNet's residuals).
   */
  public static Tensor diffusionLoss(
      java.util.function.UnaryOperator<Tensor> predict,
      NoiseSchedule schedule,
      Tensor latents,
      Tensor noise,
      Tensor timesteps,
      String predictionType,
      double snrGamma) {
    long[] t = Tensors.toLongs(timesteps);
    Tensor noisy = schedule.addNoise(latents, noise, t);
    boolean velocity = predictionType.equals("v_prediction");
    Tensor target = velocity ? schedule.getVelocity(latents, noise, t) : noise;
    Tensor prediction = predict.apply(noisy);
    if (snrGamma <= 0) return torch.mse_loss(prediction, target);
    float[] weights = new float[t.length];
    float[] alphasCumprod = schedule.alphasCumprod();
    for (int i = 0; i < t.length; i++) {
      double snr = alphasCumprod[(int) t[i]] / (1.0 - alphasCumprod[(int) t[i]]);
      // SNR 0 (a zero-terminal-SNR schedule's last step): the limit of the weight, 1 for epsilon
      weights[i] =
          snr == 0
              ? (velocity ? 0f : 1f)
              : (float) (Math.min(snr, snrGamma) / (velocity ? snr + 1 : snr));
    }
    Tensor perExample =
        prediction
            .sub(target)
            .square()
            .flatten(1, -1)
            .mean(new long[] {1}, false, new ScalarTypeOptional()); // [B]
    return perExample
        .mul(ComputeDevice.of(perExample).place(Tensors.fromFloats(weights, t.length)))
        .mean();
  }

  /** The latent distributions of {@code items}, on the UNet's device. */
  private DiagonalGaussian latentDistribution(List<ImageText> items) {
    DiagonalGaussian d;
    if (cache != null) d = cache.distributions(items); // kept on the CPU
    else
      try (NoGradGuard guard = new NoGradGuard()) {
        d = vae.encode(ImageText.stack(items)); // [B, 3, S, S] -> latent distribution
      }
    ComputeDevice device = unet.device();
    return new DiagonalGaussian(device.place(d.mean()), device.place(d.logvar()));
  }

  @Override
  public ObjectNode fingerprint() {
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("stage", stage.key());
    if (lora != null) {
      o.put("lora_rank", lora.rank());
      o.put("lora_alpha", lora.alpha());
      o.put("lora_targets", lora.targets().key());
    }
    o.put("prediction_type", predictionType);
    o.put("caption_dropout", captionDropout);
    if (snrGamma > 0)
      o.put("snr_gamma", snrGamma); // absent when off, as in runs from before the option
    if (unet.dtype().value != org.bytedeco.pytorch.global.torch.ScalarType.Float.value)
      o.put("precision", String.valueOf(unet.dtype()));
    o.put("examples", data.size());
    o.setAll(sources);
    return o;
  }

  /**
   * A diffusers pipeline folder: the base model's files with {@code unet/} holding the new weights
   * (config.json copied, diffusion_pytorch_model.safetensors with every UNet weight); for a LoRA,
   * its two files (see {@link #trainLora}).
   */
  @Override
  public void export(Path dir, Map<String, Tensor> trained) throws IOException {
    Files.createDirectories(dir);
    if (lora != null) {
      LoraExport.writeKohya(
          dir.resolve(loraName + ".safetensors"),
          trained,
          lora.rank(),
          lora.alpha(),
          loraName,
          lora.targets() == LoraNetwork.Targets.ATTN_CONV);
      LoraExport.writePeft(dir.resolve("pytorch_lora_weights.safetensors"), trained, lora.scale());
      return;
    }
    try (Stream<Path> files = Files.walk(baseModel)) {
      for (Path src : files.toList()) {
        Path rel = baseModel.relativize(src);
        if (rel.toString().isEmpty() || rel.getName(0).toString().equals("unet")) continue;
        Path dst = dir.resolve(rel.toString());
        if (Files.isDirectory(src)) Files.createDirectories(dst);
        else Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Path unetDir = Files.createDirectories(dir.resolve("unet"));
    Files.copy(
        baseModel.resolve("unet/config.json"),
        unetDir.resolve("config.json"),
        StandardCopyOption.REPLACE_EXISTING);
    Map<String, Tensor> all = new LinkedHashMap<>();
    unet.stateDict().forEach((k, v) -> all.put(k, v.detach()));
    all.putAll(trained);
    SafeTensors.write(
        unetDir.resolve("diffusion_pytorch_model.safetensors"), all, Map.of("format", "pt"));
  }

  public UNet2DConditionModel unet() {
    return unet;
  }
}
