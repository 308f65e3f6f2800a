package org.altdiffusion.eval;

import java.awt.image.BufferedImage;
import java.util.List;

/** A CLIP score per picture and caption: {@code 100 * max(cos, 0)}, as torchmetrics' CLIPScore. */
public interface ImageTextScorer {
  /** Score of picture i against caption i. */
  double[] scores(List<BufferedImage> images, List<String> captions);

  /** A short name for reports ("AltCLIP-m18", "teacher CLIP + student"). */
  String name();
}
