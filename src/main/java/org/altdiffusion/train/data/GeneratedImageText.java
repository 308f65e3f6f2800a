package org.altdiffusion.train.data;

/**
 * Image-text training data made by code rather than read from files, chosen in a data specification
 * ({@link ImageTextSources#open}) by its name: {@code NAME} or {@code NAME:ARGUMENT}. The built-in
 * demo's synthetic shapes dataset is one; the caller that knows it passes it in.
 */
public interface GeneratedImageText {
  /** The name that selects it in a specification (compared ignoring case), e.g. {@code shapes}. */
  String name();

  /** How to write it in a specification, for messages, e.g. {@code shapes[:SEED]}. */
  String syntax();

  /**
   * The data set, pictures at {@code resolution}.
   *
   * @param argument what follows {@code NAME:} in the specification, or null when there is no colon
   */
  Dataset<ImageText> open(String argument, int resolution);
}
