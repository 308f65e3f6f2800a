package org.altdiffusion.tiny.tokenizers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.altdiffusion.tiny.JsonText;
import org.altdiffusion.tiny.tokenizers.CaptionCorpus.Caption;
import org.altdiffusion.tokenizer.ClipTokenizer;
import org.altdiffusion.tokenizer.XlmRobertaTokenizer;

/**
 * The two tokenizers of the tiny AltDiffusion, trained from the shapes dataset's captions:
 *
 * <ul>
 *   <li>{@code multilingual/}: the student's XLM-R-style tokenizer, a sentencepiece unigram model
 *       ({@link UnigramTrainer}) over the captions of all 18 languages, written as {@code
 *       sentencepiece.bpe.model} + {@code tokenizer_config.json} + {@code special_tokens_map.json};
 *       read by {@link XlmRobertaTokenizer#load} and by transformers' XLMRobertaTokenizer.
 *   <li>{@code english/}: the teacher's CLIP tokenizer, byte-level BPE ({@link ClipBpeTrainer})
 *       over the English captions, written as {@code vocab.json} + {@code merges.txt} + the same
 *       two config files; read by {@link ClipTokenizer#load} and by transformers' CLIPTokenizer.
 * </ul>
 *
 * Both are trained on the TRAIN split's captions and must encode every caption of the dataset
 * (held-out ones included) without an unknown token and without truncation; {@link #build} checks
 * that. The same corpus and options give the same bytes.
 */
public final class TinyTokenizers {
  public static final String MULTILINGUAL = "multilingual";
  public static final String ENGLISH = "english";

  /** Default unigram vocabulary (sentencepiece pieces, meta pieces included). */
  public static final int DEFAULT_VOCAB_SIZE = 1024;

  /** Sequence length of both text encoders (model_max_length). */
  public static final int MODEL_MAX_LENGTH = 32;

  private TinyTokenizers() {}

  /**
   * What {@link #build} made.
   *
   * @param multilingualVocab XLM-R vocabulary size (sentencepiece pieces + 1 fairseq offset +
   *     {@code <mask>})
   * @param characters distinct characters of the multilingual corpus (all are pieces)
   * @param multilingualTokens mean tokens per caption (specials included) over every caption
   * @param multilingualLongest most tokens of a caption (specials included)
   * @param englishVocab CLIP vocabulary size
   * @param merges BPE merges
   * @param englishTokens mean tokens per English caption (specials included)
   * @param englishLongest most tokens of an English caption (specials included)
   * @param captionsChecked captions encoded by the multilingual tokenizer in the checks
   */
  public record Summary(
      int multilingualVocab,
      int characters,
      double multilingualTokens,
      int multilingualLongest,
      int englishVocab,
      int merges,
      double englishTokens,
      int englishLongest,
      int captionsChecked) {}

  /**
   * Trains both tokenizers on the captions of {@code seed}'s TRAIN split and writes them under
   * {@code out}.
   */
  public static Summary build(Path out, long seed, int vocabSize) {
    return build(out, seed, vocabSize, 0);
  }

  /** As above, partial captions in the corpus and the checks when {@code partialShare > 0}. */
  public static Summary build(Path out, long seed, int vocabSize, double partialShare) {
    UnigramTrainer.Result unigram =
        writeMultilingual(
            out.resolve(MULTILINGUAL),
            CaptionCorpus.multilingual(seed, partialShare),
            UnigramTrainer.Options.defaults(vocabSize),
            MODEL_MAX_LENGTH);
    ClipBpeTrainer.Vocabulary clip =
        writeEnglish(
            out.resolve(ENGLISH),
            CaptionCorpus.english(seed, partialShare),
            ClipBpeTrainer.Options.defaults(),
            MODEL_MAX_LENGTH);
    XlmRobertaTokenizer xlmr = XlmRobertaTokenizer.load(out.resolve(MULTILINGUAL));
    ClipTokenizer english = ClipTokenizer.load(out.resolve(ENGLISH));
    List<Caption> captions = CaptionCorpus.everyCaption(partialShare > 0);
    long total = 0;
    int longest = 0;
    long englishTotal = 0;
    int englishLongest = 0;
    int englishCount = 0;
    for (Caption c : captions) {
      int[] ids = checkedIds(xlmr, c);
      total += ids.length + 2;
      longest = Math.max(longest, ids.length + 2);
      if (c.language() == org.altdiffusion.tiny.data.Language.EN) {
        int n = english.tokenIds(c.text()).length + 2;
        englishTotal += n;
        englishLongest = Math.max(englishLongest, n);
        englishCount++;
      }
    }
    if (longest > MODEL_MAX_LENGTH || englishLongest > MODEL_MAX_LENGTH) {
      throw new IllegalStateException(
          "a caption takes "
              + Math.max(longest, englishLongest)
              + " tokens, more than model_max_length "
              + MODEL_MAX_LENGTH
              + ": raise it or the vocabulary size");
    }
    return new Summary(
        xlmr.vocabSize(),
        unigram.characters(),
        (double) total / captions.size(),
        longest,
        clip.size(),
        clip.merges().size(),
        (double) englishTotal / englishCount,
        englishLongest,
        captions.size());
  }

  /** The ids of {@code caption}; an error when one is the unknown token. */
  private static int[] checkedIds(XlmRobertaTokenizer tokenizer, Caption caption) {
    int[] ids = tokenizer.tokenIds(caption.text());
    for (int id : ids) {
      if (id == tokenizer.unkId()) {
        throw new IllegalStateException(
            "the multilingual tokenizer gives <unk> for the "
                + caption.language().englishName()
                + " caption \""
                + caption.text()
                + "\": tokens "
                + tokenizer.tokenize(caption.text()));
      }
    }
    return ids;
  }

  /**
   * Trains the unigram model on {@code corpus} and writes the XLM-R tokenizer files into {@code
   * folder}.
   */
  public static UnigramTrainer.Result writeMultilingual(
      Path folder, List<String> corpus, UnigramTrainer.Options options, int maxLength) {
    UnigramTrainer.Result result =
        UnigramTrainer.train(corpus, options, SentencePieceModelWriter.META_PIECES.size());
    byte[] model =
        SentencePieceModelWriter.write(
            result.pieces(),
            options,
            "altdiffusion tiny captions, " + corpus.size() + " sentences");
    int maskId =
        SentencePieceModelWriter.META_PIECES.size()
            + result.pieces().size()
            + 1; // fairseq offset 1
    Map<String, Object> decoder = new LinkedHashMap<>();
    decoder.put("0", addedToken("<s>", false, false));
    decoder.put("1", addedToken("<pad>", false, false));
    decoder.put("2", addedToken("</s>", false, false));
    decoder.put("3", addedToken("<unk>", false, false));
    decoder.put(String.valueOf(maskId), addedToken("<mask>", true, false));
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("added_tokens_decoder", decoder);
    config.put("bos_token", "<s>");
    config.put("clean_up_tokenization_spaces", true);
    config.put("cls_token", "<s>");
    config.put("eos_token", "</s>");
    config.put("mask_token", "<mask>");
    config.put("model_max_length", maxLength);
    config.put("pad_token", "<pad>");
    config.put("sep_token", "</s>");
    config.put("sp_model_kwargs", Map.of());
    config.put("tokenizer_class", "XLMRobertaTokenizer");
    config.put("unk_token", "<unk>");
    Map<String, Object> special = new LinkedHashMap<>();
    special.put("bos_token", "<s>");
    special.put("cls_token", "<s>");
    special.put("eos_token", "</s>");
    special.put("mask_token", mapToken("<mask>", true, false));
    special.put("pad_token", "<pad>");
    special.put("sep_token", "</s>");
    special.put("unk_token", "<unk>");
    write(
        folder,
        Map.of(
            XlmRobertaTokenizer.MODEL_FILE,
            model,
            "tokenizer_config.json",
            JsonText.of(config).getBytes(StandardCharsets.UTF_8),
            "special_tokens_map.json",
            JsonText.of(special).getBytes(StandardCharsets.UTF_8)));
    return result;
  }

  /**
   * Trains the BPE vocabulary on {@code corpus} and writes the CLIP tokenizer files into {@code
   * folder}.
   */
  public static ClipBpeTrainer.Vocabulary writeEnglish(
      Path folder, List<String> corpus, ClipBpeTrainer.Options options, int maxLength) {
    ClipBpeTrainer.Vocabulary vocab = ClipBpeTrainer.train(corpus, options);
    // Sorted keys, as CLIPTokenizer.save_vocabulary writes vocab.json.
    Map<String, Object> ids = new TreeMap<>();
    for (int i = 0; i < vocab.size(); i++) ids.put(vocab.tokens().get(i), i);
    StringBuilder merges = new StringBuilder("#version: 0.2\n");
    for (String[] m : vocab.merges()) merges.append(m[0]).append(' ').append(m[1]).append('\n');
    String bos = ClipBpeTrainer.START_OF_TEXT;
    String eos = ClipBpeTrainer.END_OF_TEXT;
    Map<String, Object> decoder = new LinkedHashMap<>();
    decoder.put(String.valueOf(vocab.id(bos)), addedToken(bos, false, true));
    decoder.put(String.valueOf(vocab.id(eos)), addedToken(eos, false, true));
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("added_tokens_decoder", decoder);
    config.put("bos_token", bos);
    config.put("clean_up_tokenization_spaces", true);
    config.put("eos_token", eos);
    config.put("errors", "replace");
    config.put("model_max_length", maxLength);
    config.put("pad_token", eos);
    config.put("tokenizer_class", "CLIPTokenizer");
    config.put("unk_token", eos);
    Map<String, Object> special = new LinkedHashMap<>();
    special.put("bos_token", mapToken(bos, false, true));
    special.put("eos_token", mapToken(eos, false, true));
    special.put("pad_token", eos);
    special.put("unk_token", mapToken(eos, false, true));
    write(
        folder,
        Map.of(
            "vocab.json", JsonText.of(ids).getBytes(StandardCharsets.UTF_8),
            "merges.txt", merges.toString().getBytes(StandardCharsets.UTF_8),
            "tokenizer_config.json", JsonText.of(config).getBytes(StandardCharsets.UTF_8),
            "special_tokens_map.json", JsonText.of(special).getBytes(StandardCharsets.UTF_8)));
    return vocab;
  }

  /** An added_tokens_decoder entry as transformers writes it. */
  private static Map<String, Object> addedToken(
      String content, boolean lstrip, boolean normalized) {
    Map<String, Object> t = mapToken(content, lstrip, normalized);
    t.put("special", true);
    return t;
  }

  /** A special_tokens_map.json token object. */
  private static Map<String, Object> mapToken(String content, boolean lstrip, boolean normalized) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("content", content);
    t.put("lstrip", lstrip);
    t.put("normalized", normalized);
    t.put("rstrip", false);
    t.put("single_word", false);
    return t;
  }

  private static void write(Path folder, Map<String, byte[]> files) {
    try {
      Files.createDirectories(folder);
      for (Map.Entry<String, byte[]> f : new TreeMap<>(files).entrySet())
        Files.write(folder.resolve(f.getKey()), f.getValue());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write the tokenizer into " + folder + ": " + e.getMessage(), e);
    }
  }
}
