package org.altdiffusion.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.tokenizer.SentencePieceModelFile.ModelType;
import org.altdiffusion.tokenizer.SentencePieceModelFile.Piece;
import org.altdiffusion.tokenizer.SentencePieceModelFile.PieceType;
import org.altdiffusion.tokenizer.TokenizerConfig.AddedTokenSpec;

/**
 * What transformers 4.44.2 does when a fast tokenizer class is loaded from a folder that has no
 * tokenizer.json (or whose tokenizer_config.json says {@code from_slow}): it builds the slow
 * tokenizer and converts it (convert_slow_tokenizer.py: XLMRobertaConverter, CLIPConverter), then
 * PreTrainedTokenizerFast.__init__ adds the added and special tokens of tokenizer_config.json that
 * the converted tokenizer lacks. Here the same tokenizer.json tree is built and run by {@link
 * HfTokenizer}; its model, normalizer, pre-tokenizer, post-processor and added tokens equal those
 * of the tokenizer.json transformers saves after such a conversion.
 */
final class SlowToFast {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private SlowToFast() {}

  /** XLMRobertaTokenizerFast from sentencepiece.bpe.model (+ tokenizer_config.json ...). */
  static HfTokenizer xlmRoberta(Path folder) {
    return HfTokenizer.of(
        folder.resolve(XlmRobertaTokenizer.MODEL_FILE),
        xlmRobertaJson(folder),
        TokenizerConfig.read(folder),
        "<pad>");
  }

  /** CLIPTokenizerFast from vocab.json + merges.txt (+ tokenizer_config.json ...). */
  static HfTokenizer clip(Path folder) {
    return HfTokenizer.of(
        folder.resolve("vocab.json"), clipJson(folder), TokenizerConfig.read(folder), EOS);
  }

  /** The tokenizer.json tree of {@link #xlmRoberta}. */
  static ObjectNode xlmRobertaJson(Path folder) {
    Path modelFile = folder.resolve(XlmRobertaTokenizer.MODEL_FILE);
    XlmRobertaTokenizer slow = XlmRobertaTokenizer.load(folder); // transformers builds it first
    SentencePieceModelFile proto = slow.sentencePiece().model();
    if (proto.trainerSpec().modelType() != ModelType.UNIGRAM) {
      throw new CheckpointException(
          modelFile,
          "is a "
              + proto.trainerSpec().modelType()
              + " sentencepiece model; converting it to XLMRobertaTokenizerFast (no tokenizer.json"
              + " in the folder) is supported for unigram models only");
    }
    List<Piece> pieces = proto.pieces();
    // XLMRobertaConverter.vocab: fairseq's four specials, the pieces from id 3 on, <mask>
    ArrayNode vocab = NODES.arrayNode();
    Map<String, Integer> ids = new LinkedHashMap<>();
    List<String> tokens = new ArrayList<>(List.of("<s>", "<pad>", "</s>", "<unk>"));
    for (int i = 3; i < pieces.size(); i++) tokens.add(pieces.get(i).piece());
    tokens.add("<mask>");
    for (int i = 0; i < tokens.size(); i++) {
      double score = i < 4 || i == tokens.size() - 1 ? 0.0 : pieces.get(i - 1).score();
      vocab.add(NODES.arrayNode().add(tokens.get(i)).add(score));
      ids.put(tokens.get(i), i); // tokenizers' Unigram: a repeated piece maps to its last id
    }
    ObjectNode model = NODES.objectNode();
    model.put("type", "Unigram");
    model.put("unk_id", 3);
    model.set("vocab", vocab);
    model.put("byte_fallback", false);

    // SpmConverter.normalizer: the precompiled charsmap (when the model has one), strip on the
    // right, runs of spaces to one "▁"
    ArrayNode normalizers = NODES.arrayNode();
    byte[] charsmap = proto.normalizerSpec().precompiledCharsmap();
    if (charsmap != null && charsmap.length > 0) {
      normalizers
          .addObject()
          .put("type", "Precompiled")
          .put("precompiled_charsmap", Base64.getEncoder().encodeToString(charsmap));
    }
    normalizers.addObject().put("type", "Strip").put("strip_left", false).put("strip_right", true);
    ObjectNode replace = normalizers.addObject().put("type", "Replace");
    replace.putObject("pattern").put("Regex", " {2,}");
    replace.put("content", "\u2581");
    ObjectNode normalizer = NODES.objectNode().put("type", "Sequence");
    normalizer.set("normalizers", normalizers);

    // XLMRobertaTokenizer has neither add_prefix_space nor legacy: prepend_scheme "always"
    ObjectNode preTokenizer =
        NODES
            .objectNode()
            .put("type", "Metaspace")
            .put("replacement", "\u2581")
            .put("prepend_scheme", "always")
            .put("split", true);

    ObjectNode post = template(slow.tokenToId("<s>"), slow.tokenToId("</s>"));

    // SpmConverter.tokenizer: control pieces become special added tokens, user-defined pieces
    // plain ones, both unnormalized
    Map<String, ObjectNode> added = new LinkedHashMap<>();
    for (Piece p : pieces) {
      if (p.type() == PieceType.CONTROL || p.type() == PieceType.USER_DEFINED) {
        boolean special = p.type() == PieceType.CONTROL;
        addToken(added, ids, p.piece(), false, false, false, false, special, ids.size());
      }
    }
    addConfigTokens(added, ids, TokenizerConfig.read(folder), ids.size(), true);
    return tree(model, normalizer, preTokenizer, post, added);
  }

  /** The tokenizer.json tree of {@link #clip}. */
  static ObjectNode clipJson(Path folder) {
    ClipTokenizer slow = ClipTokenizer.load(folder); // transformers builds it first
    Path vocabFile = folder.resolve("vocab.json");
    Map<String, Integer> vocabMap = ClipTokenizer.readVocab(vocabFile);
    ObjectNode vocab = NODES.objectNode();
    new TreeMap<>(vocabMap).forEach(vocab::put);
    ArrayNode merges = NODES.arrayNode();
    for (String m : mergeOrder(folder.resolve("merges.txt"))) merges.add(m);
    TokenizerConfig config = TokenizerConfig.read(folder);
    ObjectNode model = NODES.objectNode();
    model.put("type", "BPE");
    model.putNull("dropout");
    model.put("unk_token", config.special("unk_token", AddedTokenSpec.plain(EOS)).content());
    model.put("continuing_subword_prefix", "");
    model.put("end_of_word_suffix", "</w>");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("ignore_merges", false);
    model.set("vocab", vocab);
    model.set("merges", merges);

    ArrayNode normalizers = NODES.arrayNode();
    normalizers.addObject().put("type", "NFC");
    ObjectNode replace = normalizers.addObject().put("type", "Replace");
    replace.putObject("pattern").put("Regex", "\\s+");
    replace.put("content", " ");
    normalizers.addObject().put("type", "Lowercase");
    ObjectNode normalizer = NODES.objectNode().put("type", "Sequence");
    normalizer.set("normalizers", normalizers);

    ArrayNode pre = NODES.arrayNode();
    ObjectNode split = pre.addObject().put("type", "Split");
    split
        .putObject("pattern")
        .put("Regex", "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+");
    split.put("behavior", "Removed").put("invert", true);
    pre.addObject()
        .put("type", "ByteLevel")
        .put("add_prefix_space", false)
        .put("trim_offsets", true)
        .put("use_regex", true);
    ObjectNode preTokenizer = NODES.objectNode().put("type", "Sequence");
    preTokenizer.set("pretokenizers", pre);

    AddedTokenSpec bos = config.special("bos_token", AddedTokenSpec.plain(BOS));
    AddedTokenSpec eos = config.special("eos_token", AddedTokenSpec.plain(EOS));
    ObjectNode post = NODES.objectNode().put("type", "RobertaProcessing");
    post.putArray("sep").add(eos.content()).add(slow.eosId());
    post.putArray("cls").add(bos.content()).add(slow.bosId());
    post.put("trim_offsets", false).put("add_prefix_space", false);

    Map<String, ObjectNode> added = new LinkedHashMap<>();
    addConfigTokens(added, vocabMap, config, vocabMap.size(), false);
    return tree(model, normalizer, preTokenizer, post, added);
  }

  private static final String BOS = "<|startoftext|>";
  private static final String EOS = "<|endoftext|>";

  /**
   * CLIPTokenizer's merges: lines 1 to 48894 of merges.txt after strip(), each split on whitespace;
   * the converter takes bpe_ranks' keys, i.e. each merge at its first occurrence.
   */
  static List<String> mergeOrder(Path file) {
    String[] lines = PythonStrings.strip(ClipTokenizer.readString(file)).split("\n", -1);
    Set<String> out = new LinkedHashSet<>();
    for (int i = 1; i < lines.length && i <= 49152 - 256 - 2; i++) {
      List<String> parts = PythonStrings.split(lines[i]);
      if (parts.size() != 2) {
        throw new CheckpointException(
            file,
            "line "
                + (i + 1)
                + " is not a merge of two symbols: \""
                + lines[i]
                + "\" (converting to a fast tokenizer needs pairs)");
      }
      out.add(parts.get(0) + " " + parts.get(1));
    }
    return new ArrayList<>(out);
  }

  /** TemplateProcessing "<s> $A </s>" as XLMRobertaConverter.post_processor writes it. */
  private static ObjectNode template(int clsId, int sepId) {
    ObjectNode post = NODES.objectNode().put("type", "TemplateProcessing");
    ArrayNode single = post.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    single.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
    ArrayNode pair = post.putArray("pair");
    pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
    ObjectNode specials = post.putObject("special_tokens");
    for (String[] t : new String[][] {{"</s>", String.valueOf(sepId)}, {"<s>", "" + clsId}}) {
      ObjectNode s = specials.putObject(t[0]).put("id", t[0]);
      s.putArray("ids").add(Integer.parseInt(t[1]));
      s.putArray("tokens").add(t[0]);
    }
    return post;
  }

  /**
   * PreTrainedTokenizerFast.__init__: the tokens of added_tokens_decoder (by id), then the special
   * tokens, that the converted tokenizer does not have yet (by content: tokenizers ignores an added
   * token whose content it already has). A token the vocabulary knows takes its id there, another
   * the next free id. A token whose content is a special token is added as special. Special tokens
   * written as strings get the flags the slow class's __init__ gives them (it wraps some in an
   * AddedToken, whose normalized flag defaults to "not special"): XLMRobertaTokenizer's mask
   * becomes lstrip and special (so unnormalized), CLIPTokenizer's bos/eos/unk plain AddedTokens
   * (normalized); other strings are added as special, unnormalized tokens.
   */
  private static void addConfigTokens(
      Map<String, ObjectNode> added,
      Map<String, Integer> vocab,
      TokenizerConfig config,
      int vocabSize,
      boolean xlmr) {
    Map<String, String> defaults =
        xlmr
            ? Map.of(
                "bos_token", "<s>",
                "eos_token", "</s>",
                "unk_token", "<unk>",
                "sep_token", "</s>",
                "pad_token", "<pad>",
                "cls_token", "<s>",
                "mask_token", "<mask>")
            : Map.of("bos_token", BOS, "eos_token", EOS, "unk_token", EOS, "pad_token", EOS);
    Map<String, AddedTokenSpec> specials = new LinkedHashMap<>(); // attribute -> token
    for (String attr : TokenizerConfig.SPECIAL_ATTRIBUTES) {
      AddedTokenSpec fallback =
          defaults.containsKey(attr) ? AddedTokenSpec.plain(defaults.get(attr)) : null;
      AddedTokenSpec t = config.special(attr, fallback);
      if (t != null) specials.put(attr, t);
    }
    List<AddedTokenSpec> extra = config.additionalSpecialTokens();
    Set<String> specialContents = new LinkedHashSet<>();
    specials.values().forEach(t -> specialContents.add(t.content()));
    extra.forEach(t -> specialContents.add(t.content()));

    config
        .addedTokensDecoder()
        .forEach(
            (id, t) ->
                addToken(
                    added,
                    vocab,
                    t.content(),
                    t.singleWord(),
                    t.lstrip(),
                    t.rstrip(),
                    t.normalized(),
                    t.special() || specialContents.contains(t.content()),
                    vocabSize));
    List<Map.Entry<String, AddedTokenSpec>> all = new ArrayList<>(specials.entrySet());
    extra.forEach(t -> all.add(Map.entry("additional_special_tokens", t)));
    for (Map.Entry<String, AddedTokenSpec> e : all) {
      AddedTokenSpec t = e.getValue();
      String attr = e.getKey();
      boolean lstrip = t.lstrip();
      boolean normalized = t.normalized();
      if (t.fromString()) {
        boolean clipWrapped =
            !xlmr
                && (attr.equals("bos_token")
                    || attr.equals("eos_token")
                    || attr.equals("unk_token"));
        lstrip = xlmr && attr.equals("mask_token");
        normalized = clipWrapped;
      }
      addToken(
          added,
          vocab,
          t.content(),
          t.singleWord(),
          lstrip,
          t.rstrip(),
          normalized,
          true,
          vocabSize);
    }
  }

  private static void addToken(
      Map<String, ObjectNode> added,
      Map<String, Integer> vocab,
      String content,
      boolean singleWord,
      boolean lstrip,
      boolean rstrip,
      boolean normalized,
      boolean special,
      int vocabSize) {
    if (content.isEmpty() || added.containsKey(content)) return;
    Integer id = vocab.get(content);
    if (id == null) {
      int max = -1;
      for (ObjectNode t : added.values()) max = Math.max(max, t.get("id").asInt());
      id = max >= vocabSize ? max + 1 : vocabSize;
    }
    ObjectNode t = NODES.objectNode();
    t.put("id", id);
    t.put("content", content);
    t.put("single_word", singleWord);
    t.put("lstrip", lstrip);
    t.put("rstrip", rstrip);
    t.put("normalized", normalized);
    t.put("special", special);
    added.put(content, t);
  }

  private static ObjectNode tree(
      ObjectNode model,
      ObjectNode normalizer,
      ObjectNode preTokenizer,
      ObjectNode post,
      Map<String, ObjectNode> added) {
    ObjectNode root = NODES.objectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode list = root.putArray("added_tokens");
    added.values().stream()
        .sorted(java.util.Comparator.comparingInt(t -> t.get("id").asInt()))
        .forEach(list::add);
    root.set("normalizer", normalizer);
    root.set("pre_tokenizer", preTokenizer);
    root.set("post_processor", post);
    root.set("model", model);
    return root;
  }
}
