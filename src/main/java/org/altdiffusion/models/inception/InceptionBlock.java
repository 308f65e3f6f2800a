package org.altdiffusion.models.inception;

import org.bytedeco.pytorch.Tensor;

/** One mixed block of the network: [B, in, H, W] -> [B, out, H', W']. */
interface InceptionBlock {
  Tensor forward(Tensor x);
}
