package org.altdiffusion.models.blocks;

import org.altdiffusion.engine.Scopes;
import org.altdiffusion.nn.InPlace;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers' {@code FeedForward} with the GEGLU activation (the Stable Diffusion transformer):
 * {@code net.0.proj} Linear(dim -> 2 * inner), split into value and gate, {@code value *
 * gelu(gate)} (exact erf GELU), {@code net.2} Linear(inner -> dim). {@code net.1} is a dropout
 * without weights.
 */
public final class FeedForward extends Module {
  private final Geglu geglu;
  private final Linear out;

  /** {@code net.0}: the gated projection. */
  static final class Geglu extends Module {
    final Linear proj;

    Geglu(long dim, long inner) {
      proj = child("proj", new Linear(dim, 2 * inner));
    }

    /** x [B, N, dim] -> [B, N, inner]. */
    Tensor forward(Tensor x) {
      TensorVector parts = proj.forward(x).chunk(2, -1); // 2 x [B, N, inner]
      return InPlace.mul(torch.gelu(parts.get(1)), parts.get(0)); // value * gelu(gate)
    }
  }

  /** The holder of keys {@code 0.proj} and {@code 2} (index 1, dropout, has none). */
  static final class Net extends Module {
    final Geglu geglu;
    final Linear out;

    Net(long dim, long inner) {
      geglu = child("0", new Geglu(dim, inner));
      out = child("2", new Linear(inner, dim));
    }
  }

  /**
   * @param inner hidden width (diffusers: 4 * dim)
   */
  public FeedForward(long dim, long inner) {
    Net net = child("net", new Net(dim, inner));
    geglu = net.geglu;
    out = net.out;
  }

  /** x [B, N, dim] -> [B, N, dim]. */
  public Tensor forward(Tensor x) {
    return Scopes.keep(() -> out.forward(geglu.forward(x)));
  }
}
