package org.altdiffusion.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.ThreadSettings;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.models.vae.AutoencoderKLConfig;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code altdiffusion bench vae}: time and peak memory of one VAE decode at a picture size, tiled
 * or not, with the SD 2.1 VAE (random weights; {@code sample_size} 768 = its tile side). One size
 * per process, so that the peak RSS (VmHWM) is that size's; {@code
 * tools/reference/bench_vae_growth.sh} runs it and {@code tools/reference/bench_vae_diffusers.py}
 * over the sizes and writes the growth table.
 */
@Command(
    name = "vae",
    description = {
      "Seconds and peak RSS of one VAE decode (SD 2.1 VAE, random weights, float32) at a picture"
          + " size, with or without tiling. Run one size per process: the peak is the process's."
    })
final class VaeBench implements Callable<Integer> {
  @Option(
      names = "--width",
      defaultValue = "512",
      description = "Picture width, a multiple of 8 in 8..4096. Default ${DEFAULT-VALUE}.")
  int width;

  @Option(
      names = "--height",
      defaultValue = "512",
      description = "Picture height, a multiple of 8 in 8..4096. Default ${DEFAULT-VALUE}.")
  int height;

  @Option(
      names = "--vae-tiling",
      defaultValue = "off",
      description = "on or off: decode tile by tile (diffusers' enable_tiling). Default off.")
  String tiling;

  @Option(
      names = "--sample-size",
      defaultValue = "768",
      description =
          "The VAE config's sample_size, the tile side in pixels (768 = SD 2.1, 512 = SD 1.x)."
              + " Default ${DEFAULT-VALUE}.")
  int sampleSize;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
  Path json;

  void validate() {
    for (int side : new int[] {width, height}) {
      if (side < 8 || side > 4096 || side % 8 != 0) {
        throw new IllegalArgumentException(
            "--width/--height must be multiples of 8 in 8..4096, got " + width + "x" + height);
      }
    }
    if (!tiling.equals("on") && !tiling.equals("off"))
      throw new IllegalArgumentException("--vae-tiling must be on or off, got " + tiling);
    if (sampleSize < 32 || sampleSize % 8 != 0)
      throw new IllegalArgumentException(
          "--sample-size must be a multiple of 8 >= 32, got " + sampleSize);
    if (json != null && Files.isDirectory(json))
      throw new IllegalArgumentException("--json " + json + " is a directory; give a file name");
  }

  @Override
  public Integer call() throws Exception {
    validate();
    ThreadSettings threads = Torch.init();
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("implementation", "altdiffusion");
    figures.put("width", width);
    figures.put("height", height);
    figures.put("tiling", tiling.equals("on"));
    figures.put("torch_threads", threads.torchThreads());
    figures.put("load_average_start", UNetBench.loadAverage());
    try (NoGradGuard noGrad = new NoGradGuard()) {
      AutoencoderKL vae = new AutoencoderKL(sd21Vae(sampleSize));
      vae.initialize(Tensors.generator(0));
      vae.setTiling(tiling.equals("on"));
      decode(vae, 8, 8); // warm-up: libtorch/oneDNN set-up, not the size's work
      long beforeMb = UNetBench.procStatusKb("VmRSS") / 1024;
      double seconds = decode(vae, width / 8, height / 8);
      long peakMb = UNetBench.procStatusKb("VmHWM") / 1024;
      System.out.printf(
          "VAE decode %dx%d, tiling %s (tile %d px), threads %s: %.2f s; RSS before %,d MB, peak"
              + " %,d MB%n",
          width, height, tiling, sampleSize, threads, seconds, beforeMb, peakMb);
      figures.put("decode_s", seconds);
      figures.put("rss_before_mb", beforeMb);
      figures.put("peak_rss_mb", peakMb);
    }
    figures.put("load_average_end", UNetBench.loadAverage());
    if (json != null) {
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(json.toFile(), figures);
    }
    return 0;
  }

  private static double decode(AutoencoderKL vae, int latentWidth, int latentHeight) {
    try (PointerScope scope = new PointerScope()) {
      Tensor latents =
          Tensors.randn(Tensors.generator(2), 1, 4, latentHeight, latentWidth); // [1, 4, h, w]
      long start = System.nanoTime();
      vae.decode(latents).sum().item_double();
      return (System.nanoTime() - start) / 1e9;
    }
  }

  /** The SD 2.1 VAE's config (stabilityai/stable-diffusion-2-1 vae/config.json). */
  static AutoencoderKLConfig sd21Vae(int sampleSize) {
    AutoencoderKLConfig sd = UNetBench.vaeConfig();
    return new AutoencoderKLConfig(
        sd.inChannels(),
        sd.outChannels(),
        sd.downBlockTypes(),
        sd.upBlockTypes(),
        sd.blockOutChannels(),
        sd.layersPerBlock(),
        sd.actFn(),
        sd.latentChannels(),
        sd.normNumGroups(),
        sampleSize,
        sd.scalingFactor(),
        null,
        null,
        null,
        true,
        true,
        true,
        true);
  }
}
