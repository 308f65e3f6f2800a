package org.altdiffusion.tiny.recipe;

/**
 * How long and how hard each stage of the tiny recipe trains. {@link #full()} is the recipe that
 * builds the shipped model; {@link #quick()} runs every stage for a few steps (tests, smoke runs).
 *
 * @param dataSeed seed of the shapes dataset (which combinations are held out); default 0
 * @param seed seed of every initialisation and training draw; default 0
 * @param trainPictures pictures of the TRAIN split used by every stage; default 17,600 (all of it)
 * @param clipSteps teacher CLIP optimizer steps (batch 128); default 1200
 * @param vae VAE reconstruction training (batch, steps, lr)
 * @param base English base UNet, all parameters, at 64x64, English captions, 10% caption dropout
 * @param student multilingual text-encoder distillation from the teacher's pooled vector
 * @param alignment concept alignment: only attn2.to_k / attn2.to_v, at {@link #alignmentResolution}
 * @param quality quality stage: all UNet parameters at 64x64, 10% caption dropout, EMA
 * @param alignmentResolution picture side of the concept-alignment stage; default 32 (half, as 256
 *     is to 512)
 * @param emaDecay EMA decay of the base and quality UNets; default 0.995 (short runs: 0.9999 would
 *     average in weights from the first minutes)
 * @param unet size of the UNet
 * @param vaeL1 weight of the VAE's L1 term; default 1 (flat colours and sharp edges)
 * @param vaeKl weight of the VAE's KL term; default 1e-6 (the LDM autoencoders')
 * @param snrGamma min-SNR-gamma loss weighting of the three UNet stages (0 = plain MSE); default 5
 * @param partialCaptions share (0..1) of partial captions ("red", "a large circle on the left", see
 *     {@link org.altdiffusion.tiny.data.ShapesDataset}) in the captions every caption-reading stage
 *     sees (tokenizers, teacher, student, base, alignment, quality); default 0, the captions that
 *     built the shipped models
 */
public record RecipeSettings(
    long dataSeed,
    long seed,
    int trainPictures,
    int clipSteps,
    Run vae,
    Run base,
    Run student,
    Run alignment,
    Run quality,
    int alignmentResolution,
    double emaDecay,
    UNetSize unet,
    double vaeL1,
    double vaeKl,
    double snrGamma,
    double partialCaptions) {

  /**
   * Width of the teacher's hidden states and of the student's projection: the UNet's
   * cross_attention_dim.
   */
  public static final int TEXT_WIDTH = 128;

  /**
   * One training stage's length and optimiser.
   *
   * @param steps optimizer steps
   * @param batchSize examples per step
   * @param lr peak learning rate (5% linear warm-up, then cosine to lr / 10)
   */
  public RecipeSettings {
    if (trainPictures < 128)
      throw new IllegalArgumentException(
          "trainPictures must be >= 128 (one teacher batch), got " + trainPictures);
    if (!(partialCaptions >= 0 && partialCaptions <= 1))
      throw new IllegalArgumentException(
          "partial-caption share must be in [0, 1], got " + partialCaptions);
  }

  public record Run(int steps, int batchSize, double lr) {
    public Run {
      if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
      if (batchSize < 1)
        throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
      if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
    }
  }

  /**
   * @param channels block_out_channels of the three levels (16, 8, 4 latent cells)
   * @param attention which levels carry a spatial transformer (self and cross attention)
   * @param heads attention heads per transformer block
   * @param layersPerBlock resnets per level
   */
  public record UNetSize(int[] channels, boolean[] attention, int heads, int layersPerBlock) {
    public UNetSize {
      if (channels.length != 3 || attention.length != 3) {
        throw new IllegalArgumentException(
            "the tiny UNet has 3 levels; got "
                + channels.length
                + " channel counts and "
                + attention.length
                + " attention flags");
      }
    }
  }

  public static RecipeSettings full() {
    return new RecipeSettings(
        0,
        0,
        17_600,
        1200,
        new Run(3000, 8, 1.5e-3),
        new Run(4500, 32, 5e-4),
        new Run(2000, 128, 1e-3),
        new Run(400, 64, 1e-3),
        new Run(8500, 32, 5e-4),
        32,
        0.995,
        new UNetSize(new int[] {32, 64, 64}, new boolean[] {false, true, true}, 4, 1),
        1.0,
        1e-6,
        5.0,
        0);
  }

  /** These settings with a share {@code share} of partial captions. */
  public RecipeSettings withPartialCaptions(double share) {
    return new RecipeSettings(
        dataSeed,
        seed,
        trainPictures,
        clipSteps,
        vae,
        base,
        student,
        alignment,
        quality,
        alignmentResolution,
        emaDecay,
        unet,
        vaeL1,
        vaeKl,
        snrGamma,
        share);
  }

  /** Every stage for a few steps on a small UNet: checks the chain, not the quality. */
  public static RecipeSettings quick() {
    return new RecipeSettings(
        0,
        0,
        256,
        4,
        new Run(3, 4, 1e-3),
        new Run(3, 4, 5e-4),
        new Run(3, 8, 1e-3),
        new Run(3, 4, 1e-3),
        new Run(3, 4, 2e-4),
        32,
        0.9,
        new UNetSize(new int[] {32, 32, 32}, new boolean[] {false, true, true}, 2, 1),
        0.5,
        1e-6,
        5.0,
        0);
  }
}
