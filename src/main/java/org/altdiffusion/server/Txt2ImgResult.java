package org.altdiffusion.server;

import java.util.List;
import org.altdiffusion.pipeline.GeneratedImage;

/**
 * What a txt2img job produced.
 *
 * @param images the images made (fewer than planned when interrupted or skipped)
 * @param seeds the seed of every planned image, in order
 * @param modelName the generator's model name
 * @param sampler the sampler used as the images' infotext names it (null when unknown)
 * @param width image width used
 * @param height image height used
 * @param interrupted true when /sdapi/v1/interrupt stopped it early
 * @param jobTimestamp when it started, A1111's {@code yyyyMMddHHmmss}
 * @param warnings things the client should know (e.g. a scheduler that was replaced)
 * @param savedFiles names of the saved PNGs inside the output folder (empty when not saved)
 */
record Txt2ImgResult(
    List<GeneratedImage> images,
    List<Long> seeds,
    String modelName,
    String sampler,
    int width,
    int height,
    boolean interrupted,
    String jobTimestamp,
    List<String> warnings,
    List<String> savedFiles) {}
