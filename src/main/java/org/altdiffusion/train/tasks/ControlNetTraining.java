package org.altdiffusion.train.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.models.controlnet.ControlNetModel;
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
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code examples/controlnet/train_controlnet.py}: a ControlNet (typically {@link
 * ControlNetModel#fromUnet}) learns to steer the frozen UNet. Text encoder, VAE and UNet are
 * frozen; only the ControlNet trains. Per example, as {@link DiffusionTraining}: latents =
 * scaling_factor x a sample of the VAE's distribution, Gaussian noise, a random timestep, the
 * caption replaced by the empty text with probability {@code captionDropout}; the ControlNet sees
 * the noised latents, timestep, text and the conditioning image, its residuals (scale 1) are added
 * to the UNet's skips and middle, and the loss is the MSE of the UNet's prediction to the
 * prediction type's target. Random draws, for the whole global batch in this order: latent-sampling
 * noise, noise, timesteps (torch generator), caption dropout (Java random).
 */
public final class ControlNetTraining implements TrainingTask<ImageText> {
  private final ControlNetModel controlnet;
  private final UNet2DConditionModel unet;
  private final AutoencoderKL vae;
  private final TextConditioning text;
  private final int maxLength;
  private final NoiseSchedule schedule;
  private final String predictionType;
  private final double captionDropout;
  private final ControlConditioning conditioning;
  private final Dataset<ImageText> data;
  private final ObjectNode sources;

  /**
   * @param controlnet the ControlNet to train (all of its parameters)
   * @param text captions to conditioning, as the pipeline makes it at inference
   * @param maxLength the length captions are padded or cut to
   * @param conditioning where each example's conditioning image comes from
   * @param sources what the fingerprint records about models and data
   */
  public ControlNetTraining(
      ControlNetModel controlnet,
      UNet2DConditionModel unet,
      AutoencoderKL vae,
      TextConditioning text,
      int maxLength,
      NoiseSchedule schedule,
      String predictionType,
      double captionDropout,
      ControlConditioning conditioning,
      Dataset<ImageText> data,
      ObjectNode sources) {
    if (!predictionType.equals("epsilon") && !predictionType.equals("v_prediction"))
      throw new IllegalArgumentException(
          "prediction_type '"
              + predictionType
              + "' cannot be trained here; accepted: epsilon, v_prediction");
    if (!(captionDropout >= 0 && captionDropout <= 1))
      throw new IllegalArgumentException(
          "--caption-dropout must be in [0, 1], got " + captionDropout);
    controlnet.checkFits(unet.config, "(the one to train)", "(its frozen UNet)");
    TextEncoder encoder = text.encoder();
    if (encoder.hiddenSize() != unet.config.crossAttentionDim())
      throw new IllegalArgumentException(
          "the text encoder gives "
              + encoder.hiddenSize()
              + " values per token but the UNet's cross_attention_dim is "
              + unet.config.crossAttentionDim());
    if (controlnet.imageScale() != vae.downscaleFactor())
      throw new IllegalArgumentException(
          "the ControlNet's conditioning embedding shrinks the control image "
              + controlnet.imageScale()
              + "x but the VAE's latents are "
              + vae.downscaleFactor()
              + "x smaller than the pictures (conditioning_embedding_out_channels needs "
              + (Integer.numberOfTrailingZeros(vae.downscaleFactor()) + 1)
              + " entries)");
    this.controlnet = controlnet;
    this.unet = unet;
    this.vae = vae;
    this.text = text;
    this.maxLength = maxLength;
    this.schedule = schedule;
    this.predictionType = predictionType;
    this.captionDropout = captionDropout;
    this.conditioning = conditioning;
    this.data = data;
    this.sources = sources;
    vae.setTrainable(n -> true, false);
    if (encoder instanceof Module m) m.setTrainable(n -> true, false);
    unet.setTrainable(n -> true, false);
    controlnet.setTrainable(n -> true, true);
  }

  @Override
  public String kind() {
    return "controlnet";
  }

  @Override
  public Map<String, Parameter> trainable() {
    return controlnet.namedParameters();
  }

  @Override
  public Dataset<ImageText> dataset() {
    return data;
  }

  @Override
  public Tensor loss(Batch<ImageText> batch, TrainingRandom random) {
    int b = batch.size();
    int g = batch.globalSize();
    Tensor latents;
    Tensor controlImages;
    long[] globalShape;
    ComputeDevice device = unet.device(); // CPU draws are moved there; timesteps stay on the CPU
    try (NoGradGuard guard = new NoGradGuard()) {
      DiagonalGaussian dist =
          vae.encode(ImageText.stack(batch.items())); // [B, 3, S, S] -> distribution
      globalShape = Tensors.shape(dist.mean());
      globalShape[0] = g;
      Tensor eps = device.place(batch.mine(random.randn(globalShape))); // [B, C, h, w]
      latents =
          device
              .place(dist.mean())
              .add(device.place(dist.std()).mul(eps))
              .mul(Tensors.scalar(vae.scalingFactor()));
      controlImages = conditioning.images(batch.items()); // [B, 3, S, S] in [0, 1]
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
    return DiffusionTraining.diffusionLoss(
        noisy -> {
          ControlNetModel.Residuals r =
              controlnet.forward(noisy, timesteps, cond, controlImages, 1.0, false);
          return unet.forward(noisy, timesteps, cond, r.down(), r.mid());
        },
        schedule,
        latents,
        noise,
        timesteps,
        predictionType,
        0);
  }

  @Override
  public ObjectNode fingerprint() {
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("prediction_type", predictionType);
    o.put("caption_dropout", captionDropout);
    o.put("conditioning", conditioning.describe());
    o.put("examples", data.size());
    o.setAll(sources);
    return o;
  }

  /**
   * A diffusers ControlNet folder: {@code config.json} and {@code
   * diffusion_pytorch_model.safetensors} (every ControlNet weight), as {@code
   * ControlNetModel.save_pretrained}; {@code generate --controlnet DIR} loads it.
   */
  @Override
  public void export(Path dir, Map<String, Tensor> trained) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("config.json"),
        new ObjectMapper()
                .writerWithDefaultPrettyPrinter()
                .writeValueAsString(controlnet.config.toJson())
            + "\n",
        StandardCharsets.UTF_8);
    Map<String, Tensor> all = new LinkedHashMap<>();
    controlnet.stateDict().forEach((k, v) -> all.put(k, v.detach()));
    all.putAll(trained);
    SafeTensors.write(
        dir.resolve("diffusion_pytorch_model.safetensors"), all, Map.of("format", "pt"));
  }

  public ControlNetModel controlnet() {
    return controlnet;
  }
}
