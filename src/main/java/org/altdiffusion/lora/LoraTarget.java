package org.altdiffusion.lora;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;

/**
 * A part of the model a LoRA may change, under the component name LoRA files use: {@link #UNET}
 * ({@code unet.}, {@code lora_unet_}) or {@link #TEXT_ENCODER} ({@code text_encoder.}, {@code
 * lora_te_}).
 */
public record LoraTarget(String component, Module module) {
  public static final String UNET = "unet";
  public static final String TEXT_ENCODER = "text_encoder";

  public LoraTarget {
    Objects.requireNonNull(component, "component");
    Objects.requireNonNull(module, "module");
    if (!component.equals(UNET) && !component.equals(TEXT_ENCODER))
      throw new IllegalArgumentException(
          "component must be unet or text_encoder, got " + component);
  }

  /** The layers a LoRA can change (linear and convolution layers) by dotted path. */
  public Map<String, Module> layers() {
    Map<String, Module> out = new LinkedHashMap<>();
    module
        .namedModules()
        .forEach(
            (path, m) -> {
              if (m instanceof Linear || m instanceof Conv2d) out.put(path, m);
            });
    return out;
  }
}
