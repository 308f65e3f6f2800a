package org.altdiffusion.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.Checkpoints;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.io.keys.formats.LdmSingleFile;
import org.altdiffusion.models.vae.AutoencoderKL;

/**
 * Standalone VAEs ({@code --vae}, the server's {@code sd_vae}): a diffusers {@code vae} folder (or
 * a model folder with one), or a single file in the LDM layout such as {@code
 * vae-ft-mse-840000-ema-pruned.safetensors} ({@code encoder.down.N...}, or a whole checkpoint's
 * {@code first_stage_model.}). A file's VAE keeps the model's scaling factor, as A1111 (the factor
 * belongs to the diffusion model's config, not to the VAE).
 */
public final class VaeFiles {
  private VaeFiles() {}

  /** The VAE in {@code path}, scaled by {@code scalingFactor} when the path is a single file. */
  public static AutoencoderKL load(Path path, double scalingFactor) {
    if (Files.isDirectory(path)) {
      Path dir =
          Files.isRegularFile(path.resolve("vae").resolve("config.json"))
              ? path.resolve("vae")
              : path;
      if (!Files.isRegularFile(dir.resolve("config.json")))
        throw new CheckpointException(
            path, "no VAE here: a folder needs config.json (a diffusers vae folder)");
      return AutoencoderKL.fromPretrained(dir);
    }
    try (TensorSource s = Checkpoints.open(path)) {
      String prefix = prefix(path, s.keys());
      ObjectNode config = LdmConfigs.vae(path, s, prefix, 512);
      config.put("scaling_factor", scalingFactor);
      return SingleFileLoader.vae(path, s, prefix, config);
    }
  }

  /** A VAE for {@code model}: loaded from {@code path}, checked to fit the UNet's latents. */
  public static ModelComponents withVae(ModelComponents model, Path path) {
    AutoencoderKL vae = load(path, model.vae().scalingFactor());
    if (vae.config.latentChannels() != model.vae().config.latentChannels())
      throw new CheckpointException(
          path,
          "the VAE has "
              + vae.config.latentChannels()
              + " latent channels but the model's UNet works on "
              + model.vae().config.latentChannels());
    return model.withVae(vae);
  }

  private static String prefix(Path file, Set<String> keys) {
    if (keys.contains("encoder.conv_in.weight")
        && keys.contains("encoder.down.0.block.0.conv1.weight")) return "";
    if (keys.contains(LdmSingleFile.VAE + "encoder.conv_in.weight")) return LdmSingleFile.VAE;
    throw new CheckpointException(
        file,
        "not a VAE in the LDM layout: no 'encoder.down.0.block.0.conv1.weight'; accepted: a VAE"
            + " file such as vae-ft-mse-840000-ema-pruned.safetensors, a single-file checkpoint"
            + " (its first_stage_model.), or a diffusers vae folder");
  }
}
