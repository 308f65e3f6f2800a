package org.altdiffusion.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.altdiffusion.io.JsonConfig;

/**
 * What transformers reads from a tokenizer folder besides the vocabulary: tokenizer_config.json
 * (model_max_length, special tokens, added_tokens_decoder) and special_tokens_map.json. Both files
 * are optional. As in transformers' from_pretrained: when tokenizer_config.json has
 * added_tokens_decoder, special tokens come from tokenizer_config.json and resolve to those added
 * tokens; otherwise (older files) special_tokens_map.json overrides tokenizer_config.json.
 */
final class TokenizerConfig {
  /** The special-token attributes in transformers' order (SPECIAL_TOKENS_ATTRIBUTES). */
  static final List<String> SPECIAL_ATTRIBUTES =
      List.of(
          "bos_token",
          "eos_token",
          "unk_token",
          "sep_token",
          "pad_token",
          "cls_token",
          "mask_token");

  /**
   * An AddedToken: {@code lstrip}/{@code rstrip} make it swallow whitespace on that side, {@code
   * singleWord} makes it match whole words only. {@code fromString}: it was written as a bare
   * string, so the tokenizer class supplies its flags (XLM-R gives {@code <mask>} lstrip).
   */
  record AddedTokenSpec(
      String content,
      boolean lstrip,
      boolean rstrip,
      boolean singleWord,
      boolean normalized,
      boolean special,
      boolean fromString) {
    static AddedTokenSpec plain(String content) {
      return new AddedTokenSpec(content, false, false, false, false, true, true);
    }

    AddedTokenSpec withLstrip() {
      return new AddedTokenSpec(content, true, rstrip, singleWord, normalized, special, false);
    }
  }

  private final OptionalInt modelMaxLength;
  private final Map<Integer, AddedTokenSpec> addedTokensDecoder;
  private final Map<String, AddedTokenSpec> special;
  private final List<AddedTokenSpec> additionalSpecial;
  private final String tokenizerClass;
  private final boolean fromSlow;
  private final String tokenizerFilePath;

  private TokenizerConfig(
      OptionalInt modelMaxLength,
      Map<Integer, AddedTokenSpec> addedTokensDecoder,
      Map<String, AddedTokenSpec> special,
      List<AddedTokenSpec> additionalSpecial,
      String tokenizerClass,
      boolean fromSlow,
      String tokenizerFilePath) {
    this.modelMaxLength = modelMaxLength;
    this.addedTokensDecoder = addedTokensDecoder;
    this.special = special;
    this.additionalSpecial = additionalSpecial;
    this.tokenizerClass = tokenizerClass;
    this.fromSlow = fromSlow;
    this.tokenizerFilePath = tokenizerFilePath;
  }

  static TokenizerConfig read(Path folder) {
    Path configFile = folder.resolve("tokenizer_config.json");
    Path mapFile = folder.resolve("special_tokens_map.json");
    JsonConfig config = Files.isRegularFile(configFile) ? JsonConfig.read(configFile) : null;
    JsonConfig map = Files.isRegularFile(mapFile) ? JsonConfig.read(mapFile) : null;

    OptionalInt maxLength = OptionalInt.empty();
    Map<Integer, AddedTokenSpec> decoder = new LinkedHashMap<>();
    Map<String, AddedTokenSpec> special = new LinkedHashMap<>();
    List<AddedTokenSpec> additional = new ArrayList<>();
    boolean hasDecoder = config != null && config.has("added_tokens_decoder");
    if (config != null) {
      maxLength = maxLength(config);
      if (hasDecoder) {
        JsonNode node = config.node("added_tokens_decoder");
        if (!node.isObject())
          throw config.error("added_tokens_decoder", "must be an object of id -> token");
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          int id;
          try {
            id = Integer.parseInt(e.getKey());
          } catch (NumberFormatException ex) {
            throw config.error(
                "added_tokens_decoder", "key \"" + e.getKey() + "\" is not a token id");
          }
          decoder.put(id, token(config, "added_tokens_decoder." + id, e.getValue(), false));
        }
      }
      readSpecial(config, special, additional, false);
    }
    if (!hasDecoder && map != null) readSpecial(map, special, additional, true);
    if (!hasDecoder) readLegacyAddedTokens(folder, special, additional, decoder);
    if (!decoder.isEmpty()) { // special tokens given as strings resolve to the added token of that
      // content
      Map<String, AddedTokenSpec> byContent = new LinkedHashMap<>();
      for (AddedTokenSpec t : decoder.values()) byContent.put(t.content(), t);
      special.replaceAll((k, v) -> byContent.getOrDefault(v.content(), v));
      additional.replaceAll(v -> byContent.getOrDefault(v.content(), v));
    }
    String tokenizerClass = config == null ? null : config.string("tokenizer_class", null);
    boolean fromSlow = config != null && config.bool("from_slow", false);
    // Older files name the tokenizer.json they were made from. transformers passes the value to a
    // fast tokenizer as is: null makes it convert the slow files; a path is opened as given.
    JsonNode tokenizerFile = config == null ? null : config.node("tokenizer_file");
    if (tokenizerFile != null && tokenizerFile.isNull()) fromSlow = true;
    String tokenizerFilePath =
        tokenizerFile == null || tokenizerFile.isNull() ? null : JsonConfig.show(tokenizerFile);
    return new TokenizerConfig(
        maxLength, decoder, special, additional, tokenizerClass, fromSlow, tokenizerFilePath);
  }

  /**
   * transformers' legacy path when tokenizer_config.json has no added_tokens_decoder: the tokens of
   * added_tokens.json (special when their content is one of the special tokens the files set,
   * normalized otherwise), then the "added_tokens" of tokenizer.json when the folder has one (also
   * for slow classes: "used to initialize a slow from a fast"), by id.
   */
  private static void readLegacyAddedTokens(
      Path folder,
      Map<String, AddedTokenSpec> special,
      List<AddedTokenSpec> additional,
      Map<Integer, AddedTokenSpec> decoder) {
    Path addedFile = folder.resolve("added_tokens.json");
    if (Files.isRegularFile(addedFile)) {
      JsonConfig added = JsonConfig.read(addedFile);
      java.util.Set<String> specialContents = new java.util.HashSet<>();
      special.values().forEach(t -> specialContents.add(t.content()));
      additional.forEach(t -> specialContents.add(t.content()));
      for (String content : added.keys()) {
        JsonNode id = added.node(content);
        if (id == null || !id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0)
          throw added.error(content, "must be a token id, got " + JsonConfig.show(id));
        boolean isSpecial = specialContents.contains(content);
        decoder.put(
            id.asInt(),
            new AddedTokenSpec(content, false, false, false, !isSpecial, isSpecial, false));
      }
    }
    Path tokenizerFile = folder.resolve("tokenizer.json");
    if (Files.isRegularFile(tokenizerFile)) {
      Json.Node root = Json.Node.root(tokenizerFile, Json.read(tokenizerFile)).object();
      Json.Node list = root.opt("added_tokens");
      if (list == null) return;
      list.array();
      for (int i = 0; i < list.size(); i++) {
        Json.Node t = list.at(i).object();
        String content = t.get("content").text();
        boolean isSpecial = t.bool("special", false);
        decoder.put(
            t.get("id").integer(),
            new AddedTokenSpec(
                content,
                t.bool("lstrip", false),
                t.bool("rstrip", false),
                t.bool("single_word", false),
                t.bool("normalized", !isSpecial),
                isSpecial,
                false));
      }
    }
  }

  /** tokenizer_config.json's tokenizer_class (transformers writes it without "Fast"); or null. */
  String tokenizerClass() {
    return tokenizerClass;
  }

  /**
   * tokenizer_config.json's from_slow (transformers saves it after
   * from_pretrained(from_slow=True)), or a {@code "tokenizer_file": null} of older files: a fast
   * tokenizer then rebuilds itself from the slow files instead of reading tokenizer.json.
   */
  boolean fromSlow() {
    return fromSlow;
  }

  /**
   * tokenizer_config.json's tokenizer_file when it names a file (as JSON), else null: a fast
   * tokenizer of transformers opens that path as given instead of the folder's tokenizer.json.
   */
  String tokenizerFilePath() {
    return tokenizerFilePath;
  }

  /**
   * model_max_length, empty when absent or transformers' "unbounded" marker (1e30, or Infinity).
   */
  OptionalInt modelMaxLength() {
    return modelMaxLength;
  }

  /** added_tokens_decoder (id -> token), in file order; empty when absent. */
  Map<Integer, AddedTokenSpec> addedTokensDecoder() {
    return addedTokensDecoder;
  }

  /**
   * The special token of {@code attribute} (e.g. "pad_token"), or {@code fallback} when the files
   * do not set it.
   */
  AddedTokenSpec special(String attribute, AddedTokenSpec fallback) {
    return special.getOrDefault(attribute, fallback);
  }

  List<AddedTokenSpec> additionalSpecialTokens() {
    return additionalSpecial;
  }

  private static OptionalInt maxLength(JsonConfig config) {
    JsonNode n = config.node("model_max_length");
    if (n == null || n.isNull()) return OptionalInt.empty();
    if (!n.isNumber()) throw config.error("model_max_length", "must be a number");
    double d = n.asDouble();
    if (Double.isNaN(d)) throw config.error("model_max_length", "must be a number, got NaN");
    if (d == Double.POSITIVE_INFINITY) return OptionalInt.empty(); // unbounded, like 1e30
    if (d == Double.NEGATIVE_INFINITY)
      throw config.error("model_max_length", "must be positive, got -Infinity");
    BigInteger v = n.isIntegralNumber() ? n.bigIntegerValue() : n.decimalValue().toBigInteger();
    if (v.signum() <= 0) throw config.error("model_max_length", "must be positive, got " + n);
    return v.bitLength() < 31 ? OptionalInt.of(v.intValue()) : OptionalInt.empty();
  }

  private static void readSpecial(
      JsonConfig file,
      Map<String, AddedTokenSpec> special,
      List<AddedTokenSpec> additional,
      boolean specialDefault) {
    for (String attr : SPECIAL_ATTRIBUTES) {
      JsonNode n = file.node(attr);
      if (n != null && !n.isNull()) special.put(attr, token(file, attr, n, specialDefault));
    }
    JsonNode extra = file.node("additional_special_tokens");
    if (extra != null && !extra.isNull()) {
      if (!extra.isArray())
        throw file.error("additional_special_tokens", "must be a list of tokens");
      additional.clear();
      for (JsonNode t : extra) additional.add(token(file, "additional_special_tokens", t, true));
    }
  }

  /** A token written as a string or as an AddedToken object. */
  private static AddedTokenSpec token(
      JsonConfig file, String field, JsonNode n, boolean specialDefault) {
    if (n.isTextual()) {
      if (n.asText().isEmpty()) throw file.error(field, "must not be empty");
      return AddedTokenSpec.plain(n.asText());
    }
    if (!n.isObject()
        || !n.has("content")
        || !n.get("content").isTextual()
        || n.get("content").asText().isEmpty()) {
      throw file.error(
          field, "must be a token: a string or an object with a non-empty \"content\"");
    }
    boolean special = flag(file, field, n, "special", specialDefault);
    return new AddedTokenSpec(
        n.get("content").asText(),
        flag(file, field, n, "lstrip", false),
        flag(file, field, n, "rstrip", false),
        flag(file, field, n, "single_word", false),
        flag(file, field, n, "normalized", !special), // tokenizers' AddedToken default
        special,
        false);
  }

  private static boolean flag(
      JsonConfig file, String field, JsonNode token, String name, boolean fallback) {
    JsonNode v = token.get(name);
    if (v == null || v.isNull()) return fallback;
    if (!v.isBoolean()) throw file.error(field + "." + name, "must be true or false");
    return v.asBoolean();
  }
}
