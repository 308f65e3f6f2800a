package org.altdiffusion.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.DiffusersLayout;

/**
 * Which tokenizer a folder gets. diffusers loads the class that model_index.json names for the
 * component ({@code "tokenizer": ["transformers", "XLMRobertaTokenizerFast"]}) with that class's
 * from_pretrained, and the class decides which file is read (transformers 4.44.2):
 *
 * <ul>
 *   <li>{@code XLMRobertaTokenizer}: sentencepiece.bpe.model, run by {@link XlmRobertaTokenizer}; a
 *       tokenizer.json beside it is ignored.
 *   <li>{@code CLIPTokenizer}: vocab.json + merges.txt, run by {@link ClipTokenizer}.
 *   <li>{@code XLMRobertaTokenizerFast}, {@code CLIPTokenizerFast}: tokenizer.json, run by {@link
 *       HfTokenizer}, also when the slow files are there too. Without tokenizer.json (or with
 *       {@code "from_slow": true} in tokenizer_config.json) transformers converts the slow
 *       tokenizer (convert_slow_tokenizer); so do we ({@link SlowToFast}), giving the
 *       tokenizer.json transformers would build.
 *   <li>{@code PreTrainedTokenizerFast}: tokenizer.json only.
 *   <li>{@code AutoTokenizer}: tokenizer_config.json's {@code tokenizer_class}, its fast variant
 *       when there is one (AutoTokenizer's use_fast=True).
 * </ul>
 *
 * tokenizer_config.json's tokenizer_class does not choose between slow and fast: transformers
 * writes it without "Fast" for both, and a class that differs from it only draws a warning. A
 * folder that lacks the file the class needs is an error naming the class and the file.
 */
public final class Tokenizers {
  public static final String XLMR = "XLMRobertaTokenizer";
  public static final String XLMR_FAST = "XLMRobertaTokenizerFast";
  public static final String CLIP = "CLIPTokenizer";
  public static final String CLIP_FAST = "CLIPTokenizerFast";
  public static final String GENERIC_FAST = "PreTrainedTokenizerFast";
  public static final String AUTO = "AutoTokenizer";

  /** The classes {@link #load(Path, String)} takes. */
  public static final List<String> CLASSES =
      List.of(XLMR, XLMR_FAST, CLIP, CLIP_FAST, GENERIC_FAST, AUTO);

  static final String TOKENIZER_JSON = "tokenizer.json";

  private Tokenizers() {}

  /**
   * The tokenizer component {@code name} of a pipeline folder, of the class its model_index.json
   * names.
   */
  public static PromptTokenizer load(DiffusersLayout layout, String name) {
    DiffusersLayout.Component c = layout.component(name);
    Path folder = layout.componentFolder(name);
    if (!c.library().equals("transformers")) {
      throw new CheckpointException(
          layout.folder().resolve("model_index.json"),
          "component '"
              + name
              + "' is "
              + c.library()
              + "."
              + c.className()
              + "; tokenizers come from transformers (supported: "
              + String.join(", ", CLASSES)
              + ")");
    }
    return load(folder, c.className(), "model_index.json names " + c.className());
  }

  /** The tokenizer folder {@code folder} loaded as transformers' {@code className} loads it. */
  public static PromptTokenizer load(Path folder, String className) {
    return load(folder, className, className);
  }

  private static PromptTokenizer load(Path folder, String className, String why) {
    if (!Files.isDirectory(folder))
      throw new CheckpointException(folder, "tokenizer folder not found (" + why + ")");
    switch (className) {
      case XLMR -> {
        require(folder, why, XlmRobertaTokenizer.MODEL_FILE);
        return XlmRobertaTokenizer.load(folder);
      }
      case CLIP -> {
        require(folder, why, "vocab.json", "merges.txt");
        return ClipTokenizer.load(folder);
      }
      case XLMR_FAST -> {
        if (useTokenizerJson(folder)) return HfTokenizer.load(folder, "<pad>");
        if (has(folder, XlmRobertaTokenizer.MODEL_FILE)) return SlowToFast.xlmRoberta(folder);
        throw missing(
            folder,
            why,
            TOKENIZER_JSON + " (or " + XlmRobertaTokenizer.MODEL_FILE + " to convert)");
      }
      case CLIP_FAST -> {
        if (useTokenizerJson(folder)) return HfTokenizer.load(folder, "<|endoftext|>");
        if (has(folder, "vocab.json") && has(folder, "merges.txt")) return SlowToFast.clip(folder);
        throw missing(folder, why, TOKENIZER_JSON + " (or vocab.json + merges.txt to convert)");
      }
      case GENERIC_FAST -> {
        require(folder, why, TOKENIZER_JSON);
        return HfTokenizer.load(folder);
      }
      case AUTO -> {
        String named = TokenizerConfig.read(folder).tokenizerClass();
        if (named == null) {
          throw new CheckpointException(
              folder.resolve("tokenizer_config.json"),
              "AutoTokenizer ("
                  + why
                  + ") needs tokenizer_class here to choose the tokenizer; it is missing");
        }
        String fast = named.endsWith("Fast") ? named : named + "Fast";
        String chosen = CLASSES.contains(fast) ? fast : named;
        if (chosen.equals(AUTO) || !CLASSES.contains(chosen)) throw unsupported(folder, named);
        return load(folder, chosen, why + ", tokenizer_config.json tokenizer_class " + named);
      }
      default -> throw unsupported(folder, className);
    }
  }

  /**
   * A tokenizer folder on its own (no class named): sentencepiece.bpe.model gives the slow XLM-R
   * tokenizer, vocab.json + merges.txt the slow CLIP one, otherwise tokenizer.json the fast one.
   * These are the slow classes our own folders name in model_index.json.
   */
  static PromptTokenizer fromFiles(Path folder) {
    if (has(folder, XlmRobertaTokenizer.MODEL_FILE)) return XlmRobertaTokenizer.load(folder);
    if (has(folder, "vocab.json") && has(folder, "merges.txt")) return ClipTokenizer.load(folder);
    if (has(folder, TOKENIZER_JSON)) return HfTokenizer.load(folder);
    throw new CheckpointException(
        folder,
        "no tokenizer found: expected "
            + XlmRobertaTokenizer.MODEL_FILE
            + " (XLM-R), vocab.json + merges.txt (CLIP) or "
            + TOKENIZER_JSON);
  }

  /**
   * tokenizer.json is there and tokenizer_config.json does not ask for a conversion (from_slow, or
   * tokenizer_file null). A tokenizer_file naming a path is refused: transformers would open that
   * path as given (relative to its working directory), not the folder's file.
   */
  private static boolean useTokenizerJson(Path folder) {
    TokenizerConfig config = TokenizerConfig.read(folder);
    if (config.tokenizerFilePath() != null) {
      throw new CheckpointException(
          folder.resolve("tokenizer_config.json"),
          "field 'tokenizer_file' names "
              + config.tokenizerFilePath()
              + ", which a fast tokenizer would open as given instead of this folder's "
              + TOKENIZER_JSON
              + "; remove the field (or set it to null to convert the slow files)");
    }
    return has(folder, TOKENIZER_JSON) && !config.fromSlow();
  }

  private static boolean has(Path folder, String file) {
    return Files.isRegularFile(folder.resolve(file));
  }

  private static void require(Path folder, String why, String... files) {
    List<String> absent = new ArrayList<>();
    for (String f : files) if (!has(folder, f)) absent.add(f);
    if (!absent.isEmpty()) throw missing(folder, why, String.join(" + ", files));
  }

  private static CheckpointException missing(Path folder, String why, String needed) {
    List<String> present = new ArrayList<>();
    for (String f :
        List.of(XlmRobertaTokenizer.MODEL_FILE, "vocab.json", "merges.txt", TOKENIZER_JSON)) {
      if (has(folder, f)) present.add(f);
    }
    String holds =
        present.isEmpty()
            ? "it holds no tokenizer file"
            : "it holds "
                + String.join(", ", present)
                + present.stream()
                    .map(Tokenizers::classOf)
                    .distinct()
                    .reduce((a, b) -> a + " or " + b)
                    .map(c -> " (the file of " + c + ")")
                    .orElse("");
    return new CheckpointException(
        folder, "the tokenizer (" + why + ") needs " + needed + ", which is missing; " + holds);
  }

  private static String classOf(String file) {
    return switch (file) {
      case XlmRobertaTokenizer.MODEL_FILE -> XLMR;
      case "vocab.json", "merges.txt" -> CLIP;
      default -> "a fast tokenizer";
    };
  }

  private static CheckpointException unsupported(Path folder, String className) {
    return new CheckpointException(
        folder,
        "tokenizer class '"
            + className
            + "' is not supported; supported: "
            + String.join(", ", CLASSES));
  }
}
