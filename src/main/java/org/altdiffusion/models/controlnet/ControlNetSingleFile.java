package org.altdiffusion.models.controlnet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.Checkpoints;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.io.keys.formats.LdmControlNet;
import org.altdiffusion.models.unet.UNet2DConditionConfig;

/**
 * lllyasviel's original ControlNet files ({@code .pth} through the safe unpickler, {@code
 * .safetensors}), read through the {@link LdmControlNet} table. The architecture is read from the
 * weights' names and shapes (channels, layers per block, attention blocks, transformer depth,
 * cross-attention width, linear or convolutional projections, conditioning embedding); what shapes
 * cannot tell takes the original configs' values: 32 norm groups, 8 heads for SD 1.x (convolutional
 * projections), 64-wide heads for SD 2.x (linear projections). A {@code config.json} of a diffusers
 * ControlNet placed next to the file as {@code <name>.json} is used instead when present.
 */
public final class ControlNetSingleFile {
  private ControlNetSingleFile() {}

  private static final Pattern INPUT = Pattern.compile("input_blocks\\.(\\d+)\\..*");
  private static final Pattern HINT = Pattern.compile("input_hint_block\\.(\\d+)\\.weight");

  /** Loads {@code file} strictly: every weight of the model, no other key. */
  public static ControlNetModel load(Path file) {
    try (TensorSource raw = Checkpoints.open(file)) {
      if (!LdmControlNet.matches(raw.keys()))
        throw new CheckpointException(
            file,
            "not an original ControlNet file: no key starts with "
                + LdmControlNet.PREFIX
                + "input_hint_block (diffusers ControlNets are folders with config.json)");
      boolean prefixed =
          raw.keys().stream().anyMatch(k -> k.startsWith(LdmControlNet.PREFIX + "input_hint"));
      Path sibling = siblingConfig(file);
      ControlNetConfig config =
          sibling != null
              ? ControlNetConfig.read(sibling)
              : infer(new Shapes(raw, prefixed ? LdmControlNet.PREFIX : ""), file);
      ControlNetModel model = new ControlNetModel(config);
      TensorSource view =
          LdmControlNet.table(model.namedParameters().keySet(), prefixed).apply(raw);
      model.load(view);
      return model;
    }
  }

  private static Path siblingConfig(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    Path json = file.resolveSibling((dot < 0 ? name : name.substring(0, dot)) + ".json");
    return Files.isRegularFile(json) ? json : null;
  }

  /** Shapes of the file's keys below a prefix. */
  private record Shapes(TensorSource source, String prefix) {
    boolean has(String key) {
      return source.keys().contains(prefix + key);
    }

    long dim(String key, int i) {
      if (!has(key)) throw new IllegalStateException(key);
      return source.shape(prefix + key)[i];
    }

    int rank(String key) {
      return source.shape(prefix + key).length;
    }

    List<String> names() {
      List<String> out = new ArrayList<>();
      for (String k : source.keys())
        if (k.startsWith(prefix)) out.add(k.substring(prefix.length()));
      return out;
    }
  }

  /** The architecture that the file's shapes describe (see the class comment). */
  static ControlNetConfig infer(Shapes s, Path file) {
    try {
      TreeSet<Integer> inputs = new TreeSet<>();
      TreeSet<Integer> hints = new TreeSet<>();
      for (String k : s.names()) {
        Matcher m = INPUT.matcher(k);
        if (m.matches()) inputs.add(Integer.parseInt(m.group(1)));
        m = HINT.matcher(k);
        if (m.matches()) hints.add(Integer.parseInt(m.group(1)));
      }
      int layers = 1;
      while (!s.has("input_blocks." + (layers + 1) + ".0.op.weight") && layers + 1 <= inputs.last())
        layers++;
      int count = inputs.last() + 1; // 1 + n L + (n - 1)
      if (count % (layers + 1) != 0) throw new IllegalStateException("input block count " + count);
      int n = count / (layers + 1);
      List<String> types = new ArrayList<>();
      List<Integer> channels = new ArrayList<>();
      List<Integer> depth = new ArrayList<>();
      int context = 0;
      boolean linear = false;
      for (int i = 0; i < n; i++) {
        String first = "input_blocks." + (1 + i * (layers + 1));
        channels.add((int) s.dim(first + ".0.out_layers.3.weight", 0));
        boolean attention = s.has(first + ".1.proj_in.weight");
        types.add(attention ? UNet2DConditionConfig.CROSS_ATTN_DOWN : UNet2DConditionConfig.DOWN);
        int d = 1;
        if (attention) {
          while (s.has(first + ".1.transformer_blocks." + d + ".norm1.weight")) d++;
          context = (int) s.dim(first + ".1.transformer_blocks.0.attn2.to_k.weight", 1);
          linear = s.rank(first + ".1.proj_in.weight") == 2;
        }
        depth.add(d);
      }
      if (context == 0)
        context = (int) s.dim("middle_block.1.transformer_blocks.0.attn2.to_k.weight", 1);
      List<Integer> heads = new ArrayList<>();
      for (int c : channels) heads.add(linear ? Math.max(1, c / 64) : 8);
      List<Integer> hintChannels = new ArrayList<>();
      List<Integer> hintIndices = new ArrayList<>(hints);
      hintChannels.add((int) s.dim("input_hint_block.0.weight", 0));
      for (int j = 2; j < hintIndices.size() - 1; j += 2)
        hintChannels.add((int) s.dim("input_hint_block." + hintIndices.get(j) + ".weight", 0));
      return new ControlNetConfig(
          (int) s.dim("input_blocks.0.0.weight", 1),
          (int) s.dim("input_hint_block.0.weight", 1),
          true,
          0,
          types,
          Collections.nCopies(n, false),
          channels,
          layers,
          1,
          1,
          32,
          1e-5,
          context,
          depth,
          heads,
          linear,
          false,
          hintChannels,
          false);
    } catch (IllegalStateException | IllegalArgumentException e) {
      throw new CheckpointException(
          file,
          "cannot read a ControlNet's architecture from its weights ("
              + e.getMessage()
              + "); put the diffusers config.json next to it as <name>.json");
    }
  }
}
