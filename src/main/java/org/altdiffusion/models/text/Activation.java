package org.altdiffusion.models.text;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.altdiffusion.io.JsonConfig;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The feed-forward activations the text encoders use, by their transformers {@code hidden_act}
 * names.
 */
public enum Activation {
  /** {@code gelu}: the exact form, x * Phi(x) with the error function. */
  GELU("gelu"),
  /** {@code quick_gelu}: x * sigmoid(1.702 x), OpenAI CLIP's approximation. */
  QUICK_GELU("quick_gelu");

  public final String configName;

  Activation(String configName) {
    this.configName = configName;
  }

  public Tensor apply(Tensor x) {
    return switch (this) {
      case GELU -> torch.gelu(x);
      case QUICK_GELU -> x.mul(torch.sigmoid(x.mul(new org.bytedeco.pytorch.Scalar(1.702))));
    };
  }

  /** Reads field {@code key}; a name outside {@code accepted} is an error naming the field. */
  static Activation read(JsonConfig config, String key, String fallback, Set<Activation> accepted) {
    String name = config.string(key, fallback);
    for (Activation a : accepted) if (a.configName.equals(name)) return a;
    throw config.error(key, "unsupported activation '" + name + "'; accepted: " + names(accepted));
  }

  static String names(Set<Activation> accepted) {
    return Arrays.stream(values())
        .filter(accepted::contains)
        .map(a -> a.configName)
        .collect(Collectors.joining(", "));
  }
}
