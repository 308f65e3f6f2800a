package org.altdiffusion.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.io.CheckpointException;

/** A tokenizer that turns prompts into fixed-length id sequences for a text encoder. */
public interface PromptTokenizer {
  /**
   * The length prompts are padded/truncated to by default (tokenizer_config.json's
   * model_max_length).
   */
  int modelMaxLength();

  int padId();

  /** The tokens of {@code text} as strings, without the special tokens around the sequence. */
  List<String> tokenize(String text);

  /** The ids of {@code text} without the special tokens around the sequence, untruncated. */
  int[] tokenIds(String text);

  /** Special tokens added, truncated and padded to {@code maxLength}. */
  Encoding encode(String text, int maxLength);

  default Encoding encode(String text) {
    return encode(text, modelMaxLength());
  }

  default List<Encoding> encodeAll(List<String> texts, int maxLength) {
    List<Encoding> out = new ArrayList<>(texts.size());
    for (String t : texts) out.add(encode(t, maxLength));
    return out;
  }

  default List<Encoding> encodeAll(List<String> texts) {
    return encodeAll(texts, modelMaxLength());
  }

  /**
   * Loads the tokenizer in {@code folder} (a diffusers "tokenizer" folder): sentencepiece.bpe.model
   * gives an {@link XlmRobertaTokenizer}, vocab.json + merges.txt a {@link ClipTokenizer} (these
   * behave as the reference's Python tokenizers); otherwise tokenizer.json gives a {@link
   * HfTokenizer} (behaves as the fast tokenizer).
   */
  static PromptTokenizer load(Path folder) {
    if (Files.isRegularFile(folder.resolve(XlmRobertaTokenizer.MODEL_FILE)))
      return XlmRobertaTokenizer.load(folder);
    if (Files.isRegularFile(folder.resolve("vocab.json"))
        && Files.isRegularFile(folder.resolve("merges.txt"))) {
      return ClipTokenizer.load(folder);
    }
    if (Files.isRegularFile(folder.resolve("tokenizer.json"))) return HfTokenizer.load(folder);
    throw new CheckpointException(
        folder,
        "no tokenizer found: expected "
            + XlmRobertaTokenizer.MODEL_FILE
            + " (XLM-R), vocab.json + merges.txt (CLIP) or tokenizer.json");
  }
}
