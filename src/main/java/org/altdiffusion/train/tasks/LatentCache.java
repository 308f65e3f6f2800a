package org.altdiffusion.train.tasks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.models.vae.DiagonalGaussian;
import org.altdiffusion.train.data.Dataset;
import org.altdiffusion.train.data.ImageText;
import org.altdiffusion.train.data.SkipReason;
import org.altdiffusion.train.data.SkippedSample;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Latent distributions (mean and log-variance) of every training image, encoded by the frozen VAE
 * once instead of every step, kept in memory and in a safetensors file ({@code mean.<i>}, {@code
 * logvar.<i>}; metadata: count, resolution, data description, SHA-256 of the VAE's weights) that
 * later runs with the same data and VAE reuse. Latents are still sampled from the distribution at
 * each step, so the training draws are the same as without the cache. Examples that cannot be used
 * are recorded with their reason and keep being skipped (and counted) while training.
 */
public final class LatentCache {
  private final Dataset<ImageText> data;
  private final Map<Integer, Tensor[]> moments = new LinkedHashMap<>();
  private final Map<Integer, SkippedSample> skipped = new LinkedHashMap<>();
  private final Map<String, Integer> indexByKey = new LinkedHashMap<>();
  private final List<String> captions = new ArrayList<>();

  private LatentCache(Dataset<ImageText> data) {
    this.data = data;
  }

  /**
   * Loads {@code file} when it matches the data, else encodes everything (batches of {@code batch})
   * and writes it.
   */
  public static LatentCache build(
      Dataset<ImageText> data,
      AutoencoderKL vae,
      int resolution,
      int batch,
      Path file,
      boolean write)
      throws IOException {
    LatentCache c = new LatentCache(data);
    String vaeDigest = digest(vae);
    if (file != null && Files.isRegularFile(file) && c.tryLoad(file, resolution, vaeDigest))
      return c;
    List<ImageText> pending = new ArrayList<>();
    List<Integer> pendingIndex = new ArrayList<>();
    for (int i = 0; i < data.size(); i++) {
      try {
        ImageText it = data.get(i);
        pending.add(it);
        pendingIndex.add(i);
        c.captions.add(it.caption());
      } catch (SkippedSample s) {
        c.skipped.put(i, s);
        c.captions.add("");
      }
      if (pending.size() == batch || (i == data.size() - 1 && !pending.isEmpty())) {
        c.encode(vae, pending, pendingIndex);
        pending.clear();
        pendingIndex.clear();
      }
    }
    if (write && file != null) c.save(file, resolution, vaeDigest);
    return c;
  }

  /** SHA-256 of the VAE's parameter names and values: a cache made by another VAE is not reused. */
  static String digest(AutoencoderKL vae) {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      java.nio.ByteBuffer buf = null;
      for (var e : vae.namedParameters().entrySet()) {
        md.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        float[] v = Tensors.toFloats(e.getValue().get());
        if (buf == null || buf.capacity() < 4 * v.length)
          buf = java.nio.ByteBuffer.allocate(4 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        buf.clear();
        buf.asFloatBuffer().put(v);
        md.update(buf.array(), 0, 4 * v.length);
      }
      return java.util.HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void encode(AutoencoderKL vae, List<ImageText> items, List<Integer> indices) {
    try (PointerScope scope = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      DiagonalGaussian d = vae.encode(ImageText.stack(items)); // [B, 3, S, S] -> [B, latent, h, w]
      for (int i = 0; i < items.size(); i++) {
        moments.put(
            indices.get(i),
            new Tensor[] {
              Scopes.retain(d.mean().select(0, i).clone()),
              Scopes.retain(d.logvar().select(0, i).clone())
            });
        indexByKey.put(items.get(i).key(), indices.get(i));
      }
    }
  }

  private boolean tryLoad(Path file, int resolution, String vaeDigest) {
    try (TensorSource s = SafeTensors.open(file)) {
      Map<String, String> meta = ((SafeTensors.Reader) s).metadata();
      if (!String.valueOf(data.size()).equals(meta.get("count"))
          || !String.valueOf(resolution).equals(meta.get("resolution"))
          || !data.describe().equals(meta.get("data"))
          || !vaeDigest.equals(meta.get("vae"))) {
        return false;
      }
      for (int i = 0; i < data.size(); i++) {
        String reason = meta.get("skipped." + i);
        if (reason != null) {
          skipped.put(
              i,
              new SkippedSample(
                  SkipReason.valueOf(reason), meta.getOrDefault("skipped_detail." + i, "#" + i)));
          captions.add("");
          continue;
        }
        moments.put(
            i,
            new Tensor[] {
              Scopes.retain(s.load("mean." + i)), Scopes.retain(s.load("logvar." + i))
            });
        captions.add(meta.get("caption." + i));
        indexByKey.put(meta.get("key." + i), i);
      }
      return true;
    }
  }

  private void save(Path file, int resolution, String vaeDigest) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("count", String.valueOf(data.size()));
    meta.put("resolution", String.valueOf(resolution));
    meta.put("data", data.describe());
    meta.put("vae", vaeDigest);
    moments.forEach(
        (i, m) -> {
          tensors.put("mean." + i, m[0]);
          tensors.put("logvar." + i, m[1]);
        });
    indexByKey.forEach(
        (k, i) -> {
          meta.put("key." + i, k);
          meta.put("caption." + i, captions.get(i));
        });
    skipped.forEach(
        (i, s) -> {
          meta.put("skipped." + i, s.reason().name());
          meta.put("skipped_detail." + i, s.getMessage());
        });
    SafeTensors.write(file, tensors, meta);
  }

  /**
   * The examples without pixels (the cache has their latents): key and caption, or the recorded
   * skip.
   */
  public Dataset<ImageText> dataset() {
    Map<Integer, String> keys = new LinkedHashMap<>();
    indexByKey.forEach((k, i) -> keys.put(i, k));
    return new Dataset<>() {
      @Override
      public int size() {
        return data.size();
      }

      @Override
      public ImageText get(int index) throws SkippedSample {
        SkippedSample s = skipped.get(index);
        if (s != null) throw new SkippedSample(s.reason(), s.getMessage());
        return new ImageText(null, 0, captions.get(index), keys.get(index));
      }

      @Override
      public String describe() {
        return data.describe() + " (latents cached)";
      }
    };
  }

  /** The cached distributions of {@code items}, stacked: [B, C, h, w] each. */
  DiagonalGaussian distributions(List<ImageText> items) {
    Tensor[] means = new Tensor[items.size()];
    Tensor[] logvars = new Tensor[items.size()];
    for (int i = 0; i < items.size(); i++) {
      Tensor[] m = moments.get(indexByKey.get(items.get(i).key()));
      means[i] = m[0];
      logvars[i] = m[1];
    }
    return new DiagonalGaussian(
        torch.stack(new TensorVector(means), 0), torch.stack(new TensorVector(logvars), 0));
  }

  public int cached() {
    return moments.size();
  }
}
