package org.altdiffusion.pipeline;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * sd-webui-controlnet's control modes (its {@code ControlMode}, {@code control_mode} 0/1/2), as
 * scales of a unit's residuals. Its hook (scripts/hook.py, UnetHook.hook's forward, commit 56cec5b)
 * multiplies the ControlNet's outputs {@code [down_0 .. down_n-2, mid]} (in that order, the zero
 * convolutions' then the middle block's):
 *
 * <ul>
 *   <li>Balanced: each by the weight ({@code control_scales = [param.weight] * 13});
 *   <li>"My prompt is more important" ({@code soft_injection}): output i by {@code weight * 0.825
 *       ** float(12 - i)} ({@code zip(control, control_scales)}: the middle block of an SD net, i =
 *       12, keeps the weight, the first skip gets weight x 0.825^12 = 0.099 weight);
 *   <li>"ControlNet is more important" ({@code soft_injection} and {@code cfg_injection}): the same
 *       scales, and the outputs first multiplied by {@code cond_mark} (1 on the prompt's rows, 0 on
 *       the negative prompt's), so the negative pass gets no control.
 * </ul>
 *
 * The extension's modes, applied to diffusers-style residuals; diffusers' own guess mode is another
 * computation (log-spaced scales) and is not combined with these.
 */
public enum ControlMode {
  BALANCED("Balanced"),
  PROMPT("My prompt is more important"),
  CONTROLNET("ControlNet is more important");

  /** Soft injection's base: output i of 13 is scaled by BASE^(12 - i). */
  static final double SOFT_BASE = 0.825;

  /** The number of outputs of an SD ControlNet (12 skips and the middle block). */
  static final int SD_OUTPUTS = 13;

  private final String label;

  ControlMode(String label) {
    this.label = label;
  }

  /** The extension's name (its UI label and infotext value). */
  public String label() {
    return label;
  }

  /** The CLI name: balanced, prompt, controlnet. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The mode with this int value (0, 1, 2), label or CLI name; an error lists them. */
  public static ControlMode of(String name) {
    String n = name == null ? "" : name.strip();
    for (ControlMode m : values())
      if (n.equals(Integer.toString(m.ordinal()))
          || n.equals(m.label)
          || n.equalsIgnoreCase(m.cliName())) return m;
    throw new IllegalArgumentException(
        "unknown control mode '" + name + "'; accepted: " + String.join(", ", names()));
  }

  /** "balanced (0, "Balanced")", ... for messages. */
  public static List<String> names() {
    return Arrays.stream(values())
        .map(m -> m.cliName() + " (" + m.ordinal() + ", \"" + m.label + "\")")
        .toList();
  }

  /** Whether only the prompt's rows get this unit's residuals (cfg injection). */
  public boolean promptRowsOnly() {
    return this == CONTROLNET;
  }

  /**
   * The factor of each of a unit's {@code n} outputs ({@code n - 1} skips, then the middle block)
   * at this weight, as the extension computes it in Python floats.
   */
  public double[] scales(double weight, int n) {
    if (n > SD_OUTPUTS)
      throw new IllegalArgumentException(
          "control mode "
              + label
              + ": the extension scales at most "
              + SD_OUTPUTS
              + " ControlNet outputs, this net has "
              + n);
    double[] s = new double[n];
    for (int i = 0; i < n; i++)
      s[i] = this == BALANCED ? weight : weight * Math.pow(SOFT_BASE, (double) (12 - i));
    return s;
  }
}
