package org.altdiffusion.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.io.DiffusersLayout;

/** A tokenizer that turns prompts into fixed-length id sequences for a text encoder. */
public interface PromptTokenizer {
  /**
   * The length prompts are padded/truncated to by default (tokenizer_config.json's
   * model_max_length).
   */
  int modelMaxLength();

  int padId();

  /**
   * The id of the comma that ends a word, where A1111 prefers to cut a long prompt ({@code ,</w>}
   * in CLIP's vocabulary, the piece {@code ,} in XLM-R's), or -1 when the vocabulary has none.
   */
  default int commaId() {
    return -1;
  }

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
   * Loads the tokenizer component {@code name} of a diffusers pipeline folder as diffusers does:
   * the class model_index.json names, reading the files that class reads (see {@link Tokenizers}).
   */
  static PromptTokenizer load(DiffusersLayout layout, String name) {
    return Tokenizers.load(layout, name);
  }

  /**
   * Loads the tokenizer in {@code folder}. When the folder is a component of a diffusers pipeline
   * (its parent's model_index.json lists it), the class named there decides, as in {@link
   * #load(DiffusersLayout, String)}. Otherwise the files do: sentencepiece.bpe.model gives an
   * {@link XlmRobertaTokenizer}, vocab.json + merges.txt a {@link ClipTokenizer} (these behave as
   * the reference's slow Python tokenizers); otherwise tokenizer.json gives a {@link HfTokenizer}
   * (behaves as the fast tokenizer).
   */
  static PromptTokenizer load(Path folder) {
    Path absolute = folder.toAbsolutePath().normalize();
    Path parent = absolute.getParent();
    if (parent != null
        && absolute.getFileName() != null
        && Files.isRegularFile(parent.resolve("model_index.json"))) {
      DiffusersLayout layout = DiffusersLayout.open(parent);
      String name = absolute.getFileName().toString();
      if (layout.optionalComponent(name).isPresent()) return Tokenizers.load(layout, name);
    }
    return Tokenizers.fromFiles(folder);
  }
}
