package org.altdiffusion.tiny.data;

import java.util.Map;

/**
 * What {@link ShapeOracle} read from a picture.
 *
 * @param attributes the recovered shape, colour, position and size; null when no shape was found
 * @param confidence the smallest of the four per-attribute confidences, in [0, 1] (0 when nothing
 *     was found)
 * @param shapeConfidence margin of the best template match over the second (full at 0.1 IoU) times
 *     its fit
 * @param colourConfidence 1 at a reference colour, 0 halfway to the next nearest one
 * @param sizeConfidence distance of the scale from the small/large threshold (full at a factor 1.2)
 * @param positionConfidence distance of the centroid from the nearest region boundary (full at 3
 *     pixels)
 * @param iou soft intersection-over-union of the foreground with each shape's best template
 * @param centroidX foreground centroid x in pixels (0 = left edge)
 * @param centroidY foreground centroid y in pixels (0 = top edge)
 * @param area foreground area in pixels (sum of the per-pixel coverage estimate)
 * @param scale pixels per shape unit implied by the area for the recovered shape
 * @param fillRgb the measured fill colour, 0xRRGGBB
 */
public record Recognition(
    Attributes attributes,
    double confidence,
    double shapeConfidence,
    double colourConfidence,
    double sizeConfidence,
    double positionConfidence,
    Map<Shape, Double> iou,
    double centroidX,
    double centroidY,
    double area,
    double scale,
    int fillRgb) {

  /** Nothing that looks like a shape. */
  static Recognition none() {
    return new Recognition(null, 0, 0, 0, 0, 0, Map.of(), Double.NaN, Double.NaN, 0, Double.NaN, 0);
  }

  public boolean found() {
    return attributes != null;
  }

  /** True when all four recovered attributes equal {@code expected}'s. */
  public boolean matches(Attributes expected) {
    return expected.equals(attributes);
  }

  /** How many of the four attributes (shape, colour, position, size) equal {@code expected}'s. */
  public int correctCount(Attributes expected) {
    if (attributes == null) return 0;
    int n = 0;
    if (attributes.shape() == expected.shape()) n++;
    if (attributes.colour() == expected.colour()) n++;
    if (attributes.position() == expected.position()) n++;
    if (attributes.size() == expected.size()) n++;
    return n;
  }
}
