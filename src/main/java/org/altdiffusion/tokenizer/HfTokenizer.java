package org.altdiffusion.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.tokenizer.HfPreTokenizers.Piece;

/**
 * A Hugging Face {@code tokenizer.json} (the file of the "fast" tokenizers) run in pure Java, as
 * the tokenizers library runs it: added tokens split out (those with normalized=false before
 * normalization, the others after), normalizer, pre-tokenizer, model (Unigram or BPE), then the
 * post-processor's special tokens, truncation and padding.
 *
 * <p>Unpaired UTF-16 surrogates become U+FFFD, as the fast tokenizer's string conversion does.
 * Model max length and pad token come from tokenizer_config.json / special_tokens_map.json next to
 * the file when present. Limitations: Metaspace's prepend_scheme "first" treats only the text
 * before the first added token as "first"; BPE dropout is refused.
 */
public final class HfTokenizer implements PromptTokenizer {
  /** Used when neither tokenizer_config.json nor tokenizer.json gives a maximum length. */
  public static final int DEFAULT_MAX_LENGTH = 77;

  private final HfNormalizers.TextNormalizer normalizer; // null: none
  private final HfPreTokenizers.PreTokenizer preTokenizer; // null: none
  private final HfModels.Model model;
  private final HfAddedTokens added;
  private final int[] prefix;
  private final int[] suffix;
  private final int modelMaxLength;
  private final Integer padId;

  private HfTokenizer(Path file, Json.Node root, TokenizerConfig config, String defaultPad) {
    this.model = HfModels.parse(root.get("model").object());
    this.normalizer = root.has("normalizer") ? HfNormalizers.parse(root.get("normalizer")) : null;
    this.preTokenizer =
        root.has("pre_tokenizer") ? HfPreTokenizers.parse(root.get("pre_tokenizer")) : null;
    this.added = new HfAddedTokens(root.opt("added_tokens"), model, normalizer);
    List<Integer> pre = new ArrayList<>();
    List<Integer> post = new ArrayList<>();
    if (root.has("post_processor"))
      HfPostProcessor.singleSequence(root.get("post_processor"), pre, post);
    this.prefix = pre.stream().mapToInt(Integer::intValue).toArray();
    this.suffix = post.stream().mapToInt(Integer::intValue).toArray();
    int fallbackLength = DEFAULT_MAX_LENGTH;
    if (root.has("truncation") && root.get("truncation").has("max_length")) {
      fallbackLength = root.get("truncation").get("max_length").integer();
    }
    this.modelMaxLength = config.modelMaxLength().orElse(fallbackLength);
    TokenizerConfig.AddedTokenSpec pad =
        config.special(
            "pad_token",
            defaultPad == null ? null : TokenizerConfig.AddedTokenSpec.plain(defaultPad));
    Integer padFromFile = null;
    if (root.has("padding") && root.get("padding").has("pad_id"))
      padFromFile = root.get("padding").get("pad_id").integer();
    this.padId = pad != null ? tokenToId(pad.content()) : padFromFile;
    if (pad != null && padId == null)
      throw new CheckpointException(
          file, "pad token " + pad.content() + " is not in the vocabulary");
  }

  /**
   * Loads {@code path}: a folder with tokenizer.json (and optionally tokenizer_config.json), or the
   * file itself.
   */
  public static HfTokenizer load(Path path) {
    return load(path, null);
  }

  /**
   * As {@link #load(Path)}, with the pad token a transformers class defaults to when the folder's
   * files name none (XLMRobertaTokenizerFast: {@code <pad>}; PreTrainedTokenizerFast: none).
   */
  static HfTokenizer load(Path path, String defaultPad) {
    Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
    Path folder = file.toAbsolutePath().getParent();
    Json.Node root = Json.Node.root(file, Json.read(file)).object();
    return new HfTokenizer(file, root, TokenizerConfig.read(folder), defaultPad);
  }

  /**
   * A tokenizer.json tree built here (see {@link SlowToFast}); {@code file} is the file it was made
   * from, named in errors.
   */
  static HfTokenizer of(
      Path file,
      com.fasterxml.jackson.databind.JsonNode tree,
      TokenizerConfig config,
      String defaultPad) {
    return new HfTokenizer(file, Json.Node.root(file, tree).object(), config, defaultPad);
  }

  @Override
  public int modelMaxLength() {
    return modelMaxLength;
  }

  @Override
  public int padId() {
    if (padId == null)
      throw new IllegalStateException(
          "this tokenizer has no pad token (tokenizer_config.json pad_token)");
    return padId;
  }

  /** CLIP's {@code ,</w>} when the vocabulary has it, else {@code ,}; -1 when neither. */
  @Override
  public int commaId() {
    Integer id = model.tokenToId(",</w>");
    if (id == null) id = model.tokenToId(",");
    return id == null ? -1 : id;
  }

  /** The id of {@code token}: an added token, else the model's vocabulary; null if neither. */
  public Integer tokenToId(String token) {
    Integer id = added.id(token);
    return id != null ? id : model.tokenToId(token);
  }

  /** The tokens of {@code text}: added tokens as written, model tokens as in the vocabulary. */
  @Override
  public List<String> tokenize(String text) {
    List<String> out = new ArrayList<>();
    for (int id : tokenIds(text)) {
      String t = added.content(id);
      out.add(t != null ? t : model.idToToken(id));
    }
    return out;
  }

  @Override
  public int[] tokenIds(String text) {
    text = Utf8.replaceUnpairedSurrogates(text);
    List<Integer> ids = new ArrayList<>();
    for (HfAddedTokens.Split part : added.extractAndNormalize(text)) {
      if (part.id() != null) {
        ids.add(part.id());
        continue;
      }
      List<Piece> words = new ArrayList<>();
      Piece piece = new Piece(part.text(), part.first());
      if (preTokenizer == null) words.add(piece);
      else preTokenizer.split(piece, words);
      for (Piece w : words) model.tokenize(w.text(), ids);
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public Encoding encode(String text, int maxLength) {
    return Encoding.of(prefix, tokenIds(text), suffix, padId(), maxLength);
  }
}
