package org.altdiffusion.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Parallel sentences for text-encoder distillation, read from files:
 *
 * <ul>
 *   <li>{@code .jsonl}: one object per line, {@code {"en": "...", "text": "...", "lang": "fr"}}
 *       ({@code lang} optional);
 *   <li>{@code .tsv} (or any other name): {@code english<TAB>text[<TAB>lang]} per line.
 * </ul>
 *
 * Blank lines are ignored; pairs with an empty side are left out and counted. With {@code
 * englishPairs}, every distinct English sentence is also paired with itself (the student learns to
 * reproduce the teacher on English too).
 */
public final class ParallelText implements Dataset<TextPair> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<TextPair> pairs;
  private final long emptyPairs;
  private final String source;

  private ParallelText(List<TextPair> pairs, long emptyPairs, String source) {
    this.pairs = List.copyOf(pairs);
    this.emptyPairs = emptyPairs;
    this.source = source;
  }

  public static ParallelText of(List<TextPair> pairs, String source) {
    return new ParallelText(pairs, 0, source);
  }

  public static ParallelText read(List<Path> files, boolean englishPairs) throws IOException {
    if (files.isEmpty()) throw new IllegalArgumentException("no parallel text files given");
    List<TextPair> pairs = new ArrayList<>();
    long empty = 0;
    for (Path f : files) empty += readFile(f, pairs);
    if (englishPairs) {
      Set<String> english = new LinkedHashSet<>();
      Set<String> present = new java.util.HashSet<>();
      for (TextPair p : pairs) {
        english.add(p.english());
        if (p.english().equals(p.text())) present.add(p.english());
      }
      for (String e : english) if (!present.contains(e)) pairs.add(new TextPair(e, e, "en"));
    }
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException(
          "no usable sentence pair in "
              + files
              + (empty > 0 ? " (" + empty + " with an empty side)" : ""));
    }
    return new ParallelText(
        pairs, empty, files.size() == 1 ? files.get(0).toString() : files.size() + " files");
  }

  private static long readFile(Path file, List<TextPair> out) throws IOException {
    if (!Files.isRegularFile(file))
      throw new NoSuchFileException(file.toString(), null, "parallel text file not found");
    boolean jsonl =
        file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".jsonl");
    long empty = 0;
    var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
    try (BufferedReader in =
        new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file), decoder))) {
      String line;
      int number = 0;
      while ((line = in.readLine()) != null) {
        number++;
        if (line.isBlank()) continue;
        String where = file + ":" + number;
        TextPair p = jsonl ? jsonLine(line, where) : tsvLine(line, where);
        if (p.english().isBlank() || p.text().isBlank()) {
          empty++;
          continue;
        }
        out.add(p);
      }
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(file + ": not UTF-8 text");
    }
    return empty;
  }

  private static TextPair jsonLine(String line, String where) {
    JsonNode n;
    try {
      n = JSON.readTree(line);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(
          where
              + ": not a JSON object ("
              + e.getOriginalMessage()
              + "); expected {\"en\": ..., \"text\": ..., \"lang\": ...}");
    }
    if (n == null || !n.isObject() || !n.path("en").isTextual() || !n.path("text").isTextual()) {
      throw new IllegalArgumentException(
          where
              + ": expected {\"en\": \"...\", \"text\": \"...\", \"lang\": \"..\"} with text"
              + " values");
    }
    return new TextPair(
        n.get("en").asText().strip(), n.get("text").asText().strip(), n.path("lang").asText(""));
  }

  private static TextPair tsvLine(String line, String where) {
    String[] cols = line.split("\t", -1);
    if (cols.length < 2 || cols.length > 3) {
      throw new IllegalArgumentException(
          where
              + ": expected 2 or 3 tab-separated columns (english, text[, lang]), got "
              + cols.length);
    }
    return new TextPair(cols[0].strip(), cols[1].strip(), cols.length == 3 ? cols[2].strip() : "");
  }

  @Override
  public int size() {
    return pairs.size();
  }

  @Override
  public TextPair get(int index) {
    return pairs.get(index);
  }

  /** Pairs left out because one side was empty. */
  public long emptyPairs() {
    return emptyPairs;
  }

  @Override
  public String describe() {
    return "parallel text: "
        + pairs.size()
        + " pairs from "
        + source
        + (emptyPairs > 0 ? " (" + emptyPairs + " empty left out)" : "");
  }
}
