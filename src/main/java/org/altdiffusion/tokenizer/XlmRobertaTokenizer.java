package org.altdiffusion.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.altdiffusion.tokenizer.TokenizerConfig.AddedTokenSpec;

/**
 * transformers' XLMRobertaTokenizer (the "slow" one AltDiffusion's pipeline uses) in pure Java.
 *
 * <p>Ids follow fairseq: {@code <s>}=0, {@code <pad>}=1, {@code </s>}=2, {@code <unk>}=3, a
 * sentencepiece id {@code i > 0} becomes {@code i + 1}, sentencepiece's unknown id 0 becomes 3, and
 * {@code <mask>} is the last id ({@code pieces + 1}). A sequence is {@code <s> tokens </s>}, then
 * truncated and padded with {@code <pad>} to the maximum length. Added tokens ({@code <s>}, {@code
 * </s>}, {@code <mask>}... written in the prompt) are split out first and map to their ids; each
 * remaining span is encoded by sentencepiece on its own.
 *
 * <p>Text with an unpaired UTF-16 surrogate is rejected (IllegalArgumentException), as the
 * reference rejects it.
 */
public final class XlmRobertaTokenizer implements PromptTokenizer {
  public static final String MODEL_FILE = "sentencepiece.bpe.model";

  /** Used when tokenizer_config.json gives no model_max_length: XLM-R's 514 positions minus 2. */
  public static final int DEFAULT_MAX_LENGTH = 512;

  private static final int FAIRSEQ_OFFSET = 1;

  private final SentencePieceProcessor sp;
  private final Map<String, Integer> fairseqIds;
  private final SlowAddedTokens added = new SlowAddedTokens();
  private final int modelMaxLength;
  private final int clsId;
  private final int sepId;
  private final int padId;
  private final int unkId;

  private XlmRobertaTokenizer(SentencePieceProcessor sp, TokenizerConfig config) {
    this.sp = sp;
    this.fairseqIds =
        Map.of("<s>", 0, "<pad>", 1, "</s>", 2, "<unk>", 3, "<mask>", sp.size() + FAIRSEQ_OFFSET);
    this.modelMaxLength = config.modelMaxLength().orElse(DEFAULT_MAX_LENGTH);
    // As PreTrainedTokenizer.__init__: the file's added_tokens_decoder, then every special token
    // not yet added (taking its id from the vocabulary, or the next free id).
    config.addedTokensDecoder().forEach((id, t) -> addToken(t, id));
    AddedTokenSpec cls = config.special("cls_token", AddedTokenSpec.plain("<s>"));
    AddedTokenSpec sep = config.special("sep_token", AddedTokenSpec.plain("</s>"));
    AddedTokenSpec pad = config.special("pad_token", AddedTokenSpec.plain("<pad>"));
    AddedTokenSpec unk = config.special("unk_token", AddedTokenSpec.plain("<unk>"));
    AddedTokenSpec mask = config.special("mask_token", AddedTokenSpec.plain("<mask>"));
    if (mask.fromString())
      mask = mask.withLstrip(); // XLMRobertaTokenizer: AddedToken(mask, lstrip=True)
    List<AddedTokenSpec> specials =
        new ArrayList<>(
            List.of(
                config.special("bos_token", AddedTokenSpec.plain("<s>")),
                config.special("eos_token", AddedTokenSpec.plain("</s>")),
                unk,
                sep,
                pad,
                cls,
                mask));
    specials.addAll(config.additionalSpecialTokens());
    for (AddedTokenSpec t : specials) {
      if (!added.contains(t.content())) addToken(t, vocabId(t.content()));
    }
    this.clsId = tokenToId(cls.content());
    this.sepId = tokenToId(sep.content());
    this.padId = tokenToId(pad.content());
    this.unkId = tokenToId(unk.content());
  }

  /**
   * Loads {@code path}: a tokenizer folder with sentencepiece.bpe.model (and optionally
   * tokenizer_config.json, special_tokens_map.json), or the model file itself.
   */
  public static XlmRobertaTokenizer load(Path path) {
    Path folder = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
    Path model = Files.isDirectory(path) ? path.resolve(MODEL_FILE) : path;
    return new XlmRobertaTokenizer(
        SentencePieceProcessor.load(model), TokenizerConfig.read(folder));
  }

  @Override
  public int modelMaxLength() {
    return modelMaxLength;
  }

  @Override
  public int padId() {
    return padId;
  }

  public int clsId() {
    return clsId;
  }

  public int sepId() {
    return sepId;
  }

  public int unkId() {
    return unkId;
  }

  /** Vocabulary size without added tokens: pieces + fairseq offset + {@code <mask>}. */
  public int vocabSize() {
    return sp.size() + FAIRSEQ_OFFSET + 1;
  }

  public SentencePieceProcessor sentencePiece() {
    return sp;
  }

  @Override
  public List<String> tokenize(String text) {
    Utf8.encodeStrict(text); // reject unpaired surrogates up front, whatever the split
    List<String> tokens = new ArrayList<>();
    for (String part : added.split(text)) {
      if (added.contains(part)) {
        tokens.add(part);
      } else {
        for (SentencePieceProcessor.Token t : sp.encode(part)) tokens.add(t.piece());
      }
    }
    return tokens;
  }

  @Override
  public int[] tokenIds(String text) {
    return tokenize(text).stream().mapToInt(this::tokenToId).toArray();
  }

  @Override
  public Encoding encode(String text, int maxLength) {
    return Encoding.of(new int[] {clsId}, tokenIds(text), new int[] {sepId}, padId, maxLength);
  }

  @Override
  public int commaId() {
    return sp.contains(",") && sp.pieceToId(",") >= 3 ? sp.pieceToId(",") + FAIRSEQ_OFFSET : -1;
  }

  /**
   * XLMRobertaTokenizer's token -> id: added tokens, then the fairseq specials, then sentencepiece
   * (id + 1; sentencepiece's unknown id 0 gives the unk token's id).
   */
  public int tokenToId(String token) {
    Integer id = added.id(token);
    if (id != null) return id;
    id = fairseqIds.get(token);
    if (id != null) return id;
    int spId = sp.pieceToId(token);
    return spId != 0 ? spId + FAIRSEQ_OFFSET : unkId;
  }

  private void addToken(AddedTokenSpec t, int id) {
    added.add(new SlowAddedTokens.Token(t.content(), id, t.lstrip(), t.rstrip(), t.singleWord()));
  }

  /** Where {@code content} is in the vocabulary (get_vocab), else the next free id. */
  private int vocabId(String content) {
    Integer id = fairseqIds.get(content);
    if (id != null) return id;
    // Fairseq ids 0..3 hide sentencepiece ids 0..2, so only pieces from id 3 on are reachable.
    if (sp.contains(content) && sp.pieceToId(content) >= 3)
      return sp.pieceToId(content) + FAIRSEQ_OFFSET;
    return Math.max(vocabSize(), added.maxId() + 1);
  }
}
