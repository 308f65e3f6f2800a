package org.altdiffusion.nn;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** A lookup table {@code weight} [count, dim]; ids of any shape -> [..., dim]. */
public final class Embedding extends Module {
  public final long count;
  public final long dim;
  public final Parameter weight;

  public Embedding(long count, long dim) {
    this.count = count;
    this.dim = dim;
    this.weight = parameter("weight", count, dim);
  }

  public Tensor forward(Tensor ids) {
    return lookup(weight.get(), ids, -1);
  }

  /**
   * {@code torch.embedding(table, ids, paddingIdx)}: [ids..., dim] ({@code paddingIdx} -1 for none;
   * that row takes no gradient).
   */
  public static Tensor lookup(Tensor table, Tensor ids, long paddingIdx) {
    if (MetaOps.on(table)) return MetaOps.embedding(table, ids);
    return torch.embedding(table, ids, paddingIdx, false, false);
  }

  @Override
  protected void initializeSelf(Generator g) {
    weight.set(Init.normal(g, 1.0, count, dim));
  }
}
