package org.altdiffusion.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A benchmark's prompts, read from TSV (a header line naming the columns {@code id}, {@code
 * language}, {@code prompt}, in any order, more allowed) or JSONL (one object per line with those
 * fields). Ids name the picture files, so they are unique and made of letters, digits, {@code . _
 * -}; languages are MG-18's codes. Every problem is an error naming the line.
 */
public final class BenchmarkPrompts {
  /** The 18 languages of MG-18 / MC-18, in the paper's order. */
  public static final List<String> MG18 =
      List.of(
          "en", "zh", "ja", "th", "ko", "hi", "uk", "ar", "tr", "vi", "pl", "nl", "pt", "it", "es",
          "de", "fr", "ru");

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final List<String> COLUMNS = List.of("id", "language", "prompt");

  /** One prompt of the benchmark. */
  public record Prompt(String id, String language, String prompt) {}

  private BenchmarkPrompts() {}

  /** The prompts of {@code file} (.jsonl / .json lines, else TSV), in file order. */
  public static List<Prompt> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the prompts file " + file + ": " + e.getMessage());
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    List<Prompt> prompts =
        name.endsWith(".jsonl") || name.endsWith(".json") ? jsonl(file, lines) : tsv(file, lines);
    if (prompts.isEmpty()) throw new IllegalArgumentException(file + ": no prompts");
    return prompts;
  }

  private static List<Prompt> tsv(Path file, List<String> lines) {
    if (lines.isEmpty())
      throw new IllegalArgumentException(
          file + ": empty; expected a header line id\tlanguage\tprompt");
    List<String> header = Arrays.asList(lines.get(0).replace("\uFEFF", "").split("\t", -1));
    int[] at = new int[3];
    for (int c = 0; c < 3; c++) {
      at[c] = header.indexOf(COLUMNS.get(c));
      if (at[c] < 0) {
        throw new IllegalArgumentException(
            file
                + " line 1: the header has no column '"
                + COLUMNS.get(c)
                + "' (found "
                + header
                + "; needed: id, language, prompt, tab-separated)");
      }
    }
    List<Prompt> out = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) continue;
      String[] cells = lines.get(i).split("\t", -1);
      String where = file + " line " + (i + 1);
      if (cells.length != header.size()) {
        throw new IllegalArgumentException(
            where + ": " + cells.length + " tab-separated cells, the header has " + header.size());
      }
      out.add(checked(where, cells[at[0]], cells[at[1]], cells[at[2]], seen, i + 1));
    }
    return out;
  }

  private static List<Prompt> jsonl(Path file, List<String> lines) {
    ObjectMapper mapper = new ObjectMapper();
    List<Prompt> out = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) continue;
      String where = file + " line " + (i + 1);
      JsonNode o;
      try {
        o = mapper.readTree(lines.get(i));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalArgumentException(where + ": not JSON: " + e.getOriginalMessage());
      }
      if (o == null || !o.isObject())
        throw new IllegalArgumentException(where + ": not a JSON object");
      String[] v = new String[3];
      for (int c = 0; c < 3; c++) {
        JsonNode n = o.get(COLUMNS.get(c));
        if (n == null || !n.isValueNode() || n.isNull()) {
          throw new IllegalArgumentException(
              where + ": no field '" + COLUMNS.get(c) + "' (needed: id, language, prompt)");
        }
        v[c] = n.asText();
      }
      out.add(checked(where, v[0], v[1], v[2], seen, i + 1));
    }
    return out;
  }

  private static Prompt checked(
      String where,
      String id,
      String language,
      String prompt,
      Map<String, Integer> seen,
      int line) {
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          where
              + ": id '"
              + id
              + "' must be 1-128 letters, digits, '.', '_' or '-' (it names the picture file)");
    }
    Integer first = seen.putIfAbsent(id, line);
    if (first != null)
      throw new IllegalArgumentException(
          where + ": duplicate id '" + id + "' (first on line " + first + ")");
    String code = language.trim().toLowerCase(Locale.ROOT);
    if (!MG18.contains(code)) {
      throw new IllegalArgumentException(
          where + ": unknown language '" + language + "'; accepted: " + String.join(", ", MG18));
    }
    if (prompt.isBlank()) throw new IllegalArgumentException(where + ": empty prompt");
    return new Prompt(id, code, prompt);
  }
}
