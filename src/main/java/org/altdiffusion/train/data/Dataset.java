package org.altdiffusion.train.data;

/**
 * Training examples by index. {@link #get} may refuse an example that turns out unusable when read
 * (a corrupt image, an empty caption): it throws {@link SkippedSample}, the training loop counts it
 * and moves on; anything else thrown is fatal.
 */
public interface Dataset<T> {
  int size();

  T get(int index) throws SkippedSample;

  /** One line saying what this is (for logs): kind, size, where from. */
  String describe();
}
