package org.altdiffusion.train.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.models.vae.DiagonalGaussian;
import org.altdiffusion.nn.Parameter;
import org.altdiffusion.train.TrainingRandom;
import org.altdiffusion.train.TrainingTask;
import org.altdiffusion.train.data.Batch;
import org.altdiffusion.train.data.Dataset;
import org.altdiffusion.train.data.ImageText;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Trains an {@link AutoencoderKL} from scratch: the image is encoded, a latent sampled from the
 * posterior (reparameterised, so gradients reach the encoder), decoded, and compared with the
 * input. Loss = mean squared error + {@code l1Weight} x mean absolute error + {@code klWeight} x
 * the KL divergence to N(0, 1) summed over latent elements and averaged over the batch (the LDM
 * recipe without its perceptual and adversarial terms, which small synthetic pictures do not need).
 * Captions are not used. Random draws: the posterior noise for the whole global batch.
 */
public final class VaeTraining implements TrainingTask<ImageText> {
  private final AutoencoderKL vae;
  private final Dataset<ImageText> data;
  private final double l1Weight;
  private final double klWeight;
  private final String configJson;
  private final ObjectNode sources;

  /**
   * @param configJson the diffusers config.json written next to the weights on export
   * @param sources what the fingerprint records about the data
   */
  public VaeTraining(
      AutoencoderKL vae,
      Dataset<ImageText> data,
      double l1Weight,
      double klWeight,
      String configJson,
      ObjectNode sources) {
    if (!(l1Weight >= 0))
      throw new IllegalArgumentException("l1 weight must be >= 0, got " + l1Weight);
    if (!(klWeight >= 0))
      throw new IllegalArgumentException("kl weight must be >= 0, got " + klWeight);
    this.vae = vae;
    this.data = data;
    this.l1Weight = l1Weight;
    this.klWeight = klWeight;
    this.configJson = configJson;
    this.sources = sources;
    vae.setTrainable(n -> true, true);
  }

  @Override
  public String kind() {
    return "vae";
  }

  @Override
  public Map<String, Parameter> trainable() {
    return new LinkedHashMap<>(vae.namedParameters());
  }

  @Override
  public Dataset<ImageText> dataset() {
    return data;
  }

  @Override
  public Tensor loss(Batch<ImageText> batch, TrainingRandom random) {
    ComputeDevice device = vae.device(); // pictures and noise are made on the CPU
    Tensor images = device.place(ImageText.stack(batch.items())); // [B, 3, S, S]
    DiagonalGaussian posterior = vae.encode(images);
    long[] global = Tensors.shape(posterior.mean());
    global[0] = batch.globalSize();
    Tensor eps = device.place(batch.mine(random.randn(global))); // [B, latent, h, w]
    Tensor latents = posterior.mean().add(posterior.std().mul(eps));
    Tensor reconstruction = vae.decode(latents); // [B, 3, S, S]
    Tensor loss = torch.mse_loss(reconstruction, images);
    if (l1Weight > 0)
      loss = loss.add(torch.l1_loss(reconstruction, images).mul(Tensors.scalar(l1Weight)));
    if (klWeight > 0) loss = loss.add(klDivergence(posterior).mul(Tensors.scalar(klWeight)));
    return loss;
  }

  /** KL(posterior || N(0, 1)) summed over latent elements, averaged over the batch. */
  static Tensor klDivergence(DiagonalGaussian p) {
    Tensor perElement =
        p.mean()
            .pow(Tensors.scalar(2))
            .add(p.var())
            .sub(Tensors.scalar(1.0))
            .sub(p.logvar())
            .mul(Tensors.scalar(0.5));
    return perElement.sum().div(Tensors.scalar(Tensors.shape(p.mean())[0]));
  }

  @Override
  public ObjectNode fingerprint() {
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("l1_weight", l1Weight);
    o.put("kl_weight", klWeight);
    o.put("examples", data.size());
    o.put("config", configJson);
    o.setAll(sources);
    return o;
  }

  /** A diffusers AutoencoderKL folder: config.json and diffusion_pytorch_model.safetensors. */
  @Override
  public void export(Path dir, Map<String, Tensor> trained) throws IOException {
    Files.createDirectories(dir);
    Map<String, Tensor> all = new LinkedHashMap<>();
    vae.stateDict().forEach((k, v) -> all.put(k, v.detach()));
    all.putAll(trained);
    SafeTensors.write(
        dir.resolve("diffusion_pytorch_model.safetensors"), all, Map.of("format", "pt"));
    Files.writeString(dir.resolve("config.json"), configJson);
  }
}
