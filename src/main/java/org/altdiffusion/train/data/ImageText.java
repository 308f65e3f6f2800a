package org.altdiffusion.train.data;

/**
 * An image-text training example, ready for the VAE.
 *
 * @param pixels [3, size, size] floats in [-1, 1], channel-major ({@code v / 127.5 - 1})
 * @param size side of the square picture
 * @param caption the text (never blank)
 * @param key where it came from (shard and key, file name, ...), for messages
 */
public record ImageText(float[] pixels, int size, String caption, String key) {}
