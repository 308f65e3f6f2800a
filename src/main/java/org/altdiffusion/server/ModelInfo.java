package org.altdiffusion.server;

/**
 * One model as {@code /sdapi/v1/sd-models} lists it (AUTOMATIC1111's {@code SDModelItem}).
 *
 * @param title the name clients select it by ({@code sd_model_checkpoint})
 * @param modelName short name
 * @param hash short hash (first 10 hex digits of sha256), null when not computed
 * @param sha256 full sha256 of the weights, null when not computed
 * @param filename file or folder name inside the models folder (never an absolute path)
 * @param config config file name, null when none
 */
public record ModelInfo(
    String title, String modelName, String hash, String sha256, String filename, String config) {
  public static ModelInfo named(String name) {
    return new ModelInfo(name, name, null, null, name, null);
  }
}
