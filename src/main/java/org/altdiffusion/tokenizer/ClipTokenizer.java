package org.altdiffusion.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.tokenizer.TokenizerConfig.AddedTokenSpec;

/**
 * transformers' CLIPTokenizer (the "slow" one Stable Diffusion pipelines use) in pure Java:
 * vocab.json + merges.txt, byte-level BPE with an end-of-word marker {@code </w>}, sequences {@code
 * <|startoftext|> tokens <|endoftext|>} padded with the pad token of the folder's config ({@code
 * <|endoftext|>} for SD 1.x, {@code !} for SD 2.x/open_clip).
 *
 * <p>Text clean-up follows the reference without the optional ftfy package (what CLIPTokenizer does
 * when ftfy is not installed): control characters dropped, whitespace collapsed, spaces put around
 * CJK ideographs, NFC, lower case. Text with unpaired UTF-16 surrogates is rejected.
 */
public final class ClipTokenizer implements PromptTokenizer {
  /** Used when tokenizer_config.json gives no model_max_length: CLIP's context length. */
  public static final int DEFAULT_MAX_LENGTH = 77;

  /** CLIPTokenizer reads at most this many merges (49152 - 256 - 2). */
  private static final int MAX_MERGES = 49152 - 256 - 2;

  private static final String BOS = "<|startoftext|>";
  private static final String EOS = "<|endoftext|>";
  private static final Pattern WORDS =
      Pattern.compile(
          "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
          Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);

  private final Map<String, Integer> vocab;
  private final Map<String, Integer> mergeRanks; // "a b" -> rank
  private final SlowAddedTokens added = new SlowAddedTokens();
  private final int modelMaxLength;
  private final int bosId;
  private final int eosId;
  private final int padId;
  private final String unkToken;

  /**
   * Words already split by BPE (bounded, unlike the reference's, so a server cannot grow it
   * forever).
   */
  private final Map<String, String[]> cache = new java.util.concurrent.ConcurrentHashMap<>();

  private static final int MAX_CACHED_WORDS = 100_000;

  private ClipTokenizer(
      Map<String, Integer> vocab,
      Map<String, Integer> mergeRanks,
      TokenizerConfig config,
      Path folder) {
    this.vocab = vocab;
    this.mergeRanks = mergeRanks;
    this.modelMaxLength = config.modelMaxLength().orElse(DEFAULT_MAX_LENGTH);
    config.addedTokensDecoder().forEach((id, t) -> addToken(t, id));
    AddedTokenSpec unk = config.special("unk_token", AddedTokenSpec.plain(EOS));
    AddedTokenSpec bos = config.special("bos_token", AddedTokenSpec.plain(BOS));
    AddedTokenSpec eos = config.special("eos_token", AddedTokenSpec.plain(EOS));
    AddedTokenSpec pad = config.special("pad_token", AddedTokenSpec.plain(EOS));
    List<AddedTokenSpec> specials = new ArrayList<>(List.of(bos, eos, unk, pad));
    specials.addAll(config.additionalSpecialTokens());
    for (AddedTokenSpec t : specials) {
      if (!added.contains(t.content())) {
        Integer id = vocab.get(t.content());
        addToken(t, id != null ? id : Math.max(vocab.size(), added.maxId() + 1));
      }
    }
    this.unkToken = unk.content();
    this.bosId = tokenToId(bos.content());
    this.eosId = tokenToId(eos.content());
    this.padId = tokenToId(pad.content());
    if (bosId < 0 || eosId < 0 || padId < 0) {
      throw new CheckpointException(
          folder,
          "special tokens "
              + bos.content()
              + ", "
              + eos.content()
              + ", "
              + pad.content()
              + " must all have ids");
    }
  }

  /**
   * Loads a CLIP tokenizer folder: vocab.json, merges.txt, optionally tokenizer_config.json /
   * special_tokens_map.json.
   */
  public static ClipTokenizer load(Path folder) {
    Path vocabFile = folder.resolve("vocab.json");
    Path mergesFile = folder.resolve("merges.txt");
    Map<String, Integer> vocab = readVocab(vocabFile);
    Map<String, Integer> ranks = new HashMap<>();
    String[] lines = PythonStrings.strip(readString(mergesFile)).split("\n", -1);
    // Line 0 is the "#version" header; CLIPTokenizer skips it whatever it says.
    for (int i = 1; i < lines.length && i <= MAX_MERGES; i++) {
      List<String> parts = PythonStrings.split(lines[i]);
      if (parts.size() == 2)
        ranks.put(
            parts.get(0) + " " + parts.get(1),
            i - 1); // a repeated merge: last rank wins, as dict(zip(...))
    }
    return new ClipTokenizer(vocab, ranks, TokenizerConfig.read(folder), folder);
  }

  @Override
  public int modelMaxLength() {
    return modelMaxLength;
  }

  @Override
  public int padId() {
    return padId;
  }

  public int bosId() {
    return bosId;
  }

  public int eosId() {
    return eosId;
  }

  @Override
  public List<String> tokenize(String text) {
    Utf8.encodeStrict(text); // reject unpaired surrogates
    List<String> tokens = new ArrayList<>();
    for (String part : added.split(text)) {
      if (added.contains(part)) {
        tokens.add(part);
        continue;
      }
      Matcher m = WORDS.matcher(String.join(" ", basicTokenize(part)));
      while (m.find()) {
        for (String t : bpe(ByteLevel.encode(m.group()))) tokens.add(t);
      }
    }
    return tokens;
  }

  /**
   * The words CLIP's BPE sees in {@code text} (special tokens are not split out): clean-up, lower
   * case, CLIP's word pattern, each word as byte characters. What a CLIP vocabulary trainer counts.
   */
  public static List<String> words(String text) {
    Utf8.encodeStrict(text);
    List<String> out = new ArrayList<>();
    Matcher m = WORDS.matcher(String.join(" ", basicTokenize(text)));
    while (m.find()) out.add(ByteLevel.encode(m.group()));
    return out;
  }

  /**
   * The 256 byte characters in CLIP's vocabulary order (bytes_to_unicode: printable bytes first).
   */
  public static List<String> byteAlphabet() {
    return ByteLevel.alphabet();
  }

  @Override
  public int[] tokenIds(String text) {
    return tokenize(text).stream().mapToInt(this::tokenToId).toArray();
  }

  @Override
  public Encoding encode(String text, int maxLength) {
    return Encoding.of(new int[] {bosId}, tokenIds(text), new int[] {eosId}, padId, maxLength);
  }

  @Override
  public int commaId() {
    Integer id = vocab.get(",</w>");
    return id == null ? -1 : id;
  }

  /** Added tokens first, then the vocabulary; anything else is the unknown token. */
  public int tokenToId(String token) {
    Integer id = added.id(token);
    if (id == null) id = vocab.get(token);
    if (id == null) id = vocab.get(unkToken);
    if (id == null) id = added.id(unkToken);
    return id == null ? -1 : id;
  }

  /**
   * transformers' BasicTokenizer(strip_accents=False, do_split_on_punc=False): drop NUL, U+FFFD and
   * control/format/unassigned characters, whitespace to ' ', spaces around CJK ideographs, NFC,
   * split on whitespace, lower-case each word.
   */
  static List<String> basicTokenize(String text) {
    StringBuilder b = new StringBuilder(text.length() + 8);
    text.codePoints()
        .forEach(
            cp -> {
              if (cp == 0 || cp == 0xFFFD || isControl(cp)) return;
              if (isWhitespace(cp)) b.append(' ');
              else if (isCjk(cp)) b.append(' ').appendCodePoint(cp).append(' ');
              else b.appendCodePoint(cp);
            });
    List<String> words = new ArrayList<>();
    for (String w : PythonStrings.split(Normalizer.normalize(b, Normalizer.Form.NFC))) {
      words.add(w.toLowerCase(Locale.ROOT));
    }
    return PythonStrings.split(String.join(" ", words));
  }

  private static boolean isWhitespace(int cp) {
    return cp == ' '
        || cp == '\t'
        || cp == '\n'
        || cp == '\r'
        || Character.getType(cp) == Character.SPACE_SEPARATOR;
  }

  /** Unicode category C* (Cc, Cf, Cn, Co, Cs), except \t \n \r. */
  private static boolean isControl(int cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r') return false;
    int t = Character.getType(cp);
    return t == Character.CONTROL
        || t == Character.FORMAT
        || t == Character.UNASSIGNED
        || t == Character.PRIVATE_USE
        || t == Character.SURROGATE;
  }

  /** The CJK Unified Ideographs blocks BasicTokenizer isolates. */
  private static boolean isCjk(int cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF)
        || (cp >= 0x3400 && cp <= 0x4DBF)
        || (cp >= 0x20000 && cp <= 0x2A6DF)
        || (cp >= 0x2A700 && cp <= 0x2B73F)
        || (cp >= 0x2B740 && cp <= 0x2B81F)
        || (cp >= 0x2B820 && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF)
        || (cp >= 0x2F800 && cp <= 0x2FA1F);
  }

  /**
   * CLIPTokenizer.bpe: the word's characters, the last one marked {@code </w>}; repeatedly merge
   * every occurrence (left to right) of the adjacent pair with the lowest merge rank.
   */
  private String[] bpe(String token) {
    if (token.equals(BOS) || token.equals(EOS)) return new String[] {token};
    String[] cached = cache.get(token);
    if (cached != null) return cached;
    String[] result = merge(token);
    if (cache.size() < MAX_CACHED_WORDS) cache.put(token, result);
    return result;
  }

  private String[] merge(String t) {
    List<String> word = new ArrayList<>();
    for (int i = 0; i < t.length() - 1; i++) word.add(String.valueOf(t.charAt(i)));
    word.add(t.charAt(t.length() - 1) + "</w>");
    while (word.size() > 1) {
      int bestRank = Integer.MAX_VALUE;
      String first = null;
      String second = null;
      for (int i = 0; i + 1 < word.size(); i++) {
        Integer r = mergeRanks.get(word.get(i) + " " + word.get(i + 1));
        if (r != null && r < bestRank) {
          bestRank = r;
          first = word.get(i);
          second = word.get(i + 1);
        }
      }
      if (first == null) break;
      List<String> merged = new ArrayList<>(word.size());
      for (int i = 0; i < word.size(); ) {
        if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
          merged.add(first + second);
          i += 2;
        } else {
          merged.add(word.get(i++));
        }
      }
      word = merged;
    }
    return word.toArray(new String[0]);
  }

  private void addToken(AddedTokenSpec t, int id) {
    added.add(new SlowAddedTokens.Token(t.content(), id, t.lstrip(), t.rstrip(), t.singleWord()));
  }

  static Map<String, Integer> readVocab(Path file) {
    // CLIPTokenizer reads vocab.json with Python's json module
    JsonNode root = JsonConfig.parseTree(file, readString(file));
    if (root == null || !root.isObject())
      throw new CheckpointException(file, "expected a JSON object of token -> id");
    Map<String, Integer> vocab = new HashMap<>(root.size() * 2);
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isIntegralNumber()
          || !e.getValue().canConvertToInt()
          || e.getValue().asInt() < 0) {
        throw new CheckpointException(
            file, "token \"" + e.getKey() + "\" has no valid id: " + e.getValue());
      }
      vocab.put(e.getKey(), e.getValue().asInt());
    }
    if (vocab.isEmpty()) throw new CheckpointException(file, "the vocabulary is empty");
    return vocab;
  }

  static String readString(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      String s = Utf8.decodeStrict(bytes, 0, bytes.length);
      if (s == null) throw new CheckpointException(file, "not valid UTF-8 text");
      return s;
    } catch (NoSuchFileException e) {
      throw new CheckpointException(file, "file not found");
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  static String firstLine(String m) {
    if (m == null) return "";
    int cut = m.indexOf("\n at [Source");
    return cut > 0 ? m.substring(0, cut) : m;
  }
}
