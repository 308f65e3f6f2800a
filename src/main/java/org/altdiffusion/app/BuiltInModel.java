package org.altdiffusion.app;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the model that ships with the project lives: {@code models/altdiffusion-tiny} in the
 * checkout.
 */
final class BuiltInModel {
  static final String NAME = "altdiffusion-tiny";

  /** The English base model the built-in one was adapted from (for comparison). */
  static final String ENGLISH_BASE = "english-base";

  /** The English teacher CLIP (its image tower scores pictures in eval). */
  static final String TEACHER_CLIP = "teacher-clip";

  private BuiltInModel() {}

  /** The built-in model folder; an error saying how to get a model when it is missing. */
  static Path folder() {
    Path root = projectRoot();
    Path folder = root.resolve("models").resolve(NAME);
    if (!Files.isRegularFile(folder.resolve("model_index.json"))) {
      throw new IllegalArgumentException(
          "the built-in model is not in this checkout ("
              + folder
              + "); pass --model DIR with a diffusers model folder (AltDiffusion m9/m18 or Stable"
              + " Diffusion)");
    }
    return folder;
  }

  /**
   * Another folder shipped beside the built-in model ({@link #ENGLISH_BASE}, {@link
   * #TEACHER_CLIP}); an error when missing.
   */
  static Path shipped(String name) {
    Path folder = projectRoot().resolve("models").resolve(name);
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException(
          name
              + " is not in this checkout ("
              + folder
              + "); rebuild it with ./altdiffusion demo-train or pass its folder");
    }
    return folder;
  }

  /** The checkout: the folder above target/ holding the jar, or the working directory. */
  static Path projectRoot() {
    String override = System.getProperty("altdiffusion.home");
    if (override != null) return Path.of(override);
    try {
      Path jar =
          Path.of(BuiltInModel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path target = jar.getParent();
      if (target != null
          && target.getParent() != null
          && Files.isDirectory(target.getParent().resolve("models"))) {
        return target.getParent();
      }
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      // fall through to the working directory
    }
    return Path.of("").toAbsolutePath();
  }
}
