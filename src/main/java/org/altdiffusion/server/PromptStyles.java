package org.altdiffusion.server;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AUTOMATIC1111's prompt styles, read from its {@code styles.csv} (columns {@code name}, {@code
 * prompt} (or the older {@code text}) and optionally {@code negative_prompt}; CSV quoting; a UTF-8
 * byte order mark is skipped, spaces after a comma are too, as A1111's {@code csv.DictReader(...,
 * skipinitialspace=True)}). A style is applied as A1111's {@code modules/styles.py merge_prompts}:
 * a style prompt holding {@code {prompt}} gets the prompt in its place, any other is appended with
 * {@code ", "} (empty parts left out).
 */
public final class PromptStyles {
  /** A style: its name, prompt and negative prompt. */
  public record Style(String name, String prompt, String negativePrompt) {}

  /** No styles ({@code serve} without {@code --styles}). */
  public static final PromptStyles NONE = new PromptStyles(Map.of(), null);

  private final Map<String, Style> styles;
  private final Path source;

  private PromptStyles(Map<String, Style> styles, Path source) {
    this.styles = Collections.unmodifiableMap(new LinkedHashMap<>(styles));
    this.source = source;
  }

  /** The file these styles were read from; null when none. */
  public Path source() {
    return source;
  }

  /** The styles in file order. */
  public List<Style> list() {
    return List.copyOf(styles.values());
  }

  /**
   * Reads a styles file.
   *
   * @throws IllegalArgumentException naming the file and line of what is wrong in it
   * @throws IOException when it cannot be read
   */
  public static PromptStyles load(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(java.nio.ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("styles file " + file + " is not UTF-8 text");
    }
    try {
      return new PromptStyles(parse(text).styles, file);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("styles file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Parses the text of a styles file; errors name the line. */
  static PromptStyles parse(String text) {
    if (text.startsWith("\uFEFF")) text = text.substring(1);
    List<Row> rows = rows(text);
    if (rows.isEmpty()) throw new IllegalArgumentException("empty; line 1 must be a header");
    Row header = rows.get(0);
    Map<String, Integer> column = new LinkedHashMap<>();
    for (int i = 0; i < header.cells.size(); i++) {
      String c = header.cells.get(i);
      if (column.containsKey(c))
        throw new IllegalArgumentException("line " + header.line + ": column '" + c + "' twice");
      column.put(c, i);
    }
    Integer nameCol = column.get("name");
    Integer promptCol = column.containsKey("prompt") ? column.get("prompt") : column.get("text");
    Integer negativeCol = column.get("negative_prompt");
    if (nameCol == null || promptCol == null) {
      throw new IllegalArgumentException(
          "line "
              + header.line
              + ": the header must name the columns name, prompt (or text) and optionally"
              + " negative_prompt; got "
              + String.join(",", header.cells));
    }
    Map<String, Style> styles = new LinkedHashMap<>();
    Map<String, Integer> lineOf = new LinkedHashMap<>();
    for (Row row : rows.subList(1, rows.size())) {
      if (row.cells.size() != header.cells.size()) {
        throw new IllegalArgumentException(
            "line "
                + row.line
                + ": "
                + row.cells.size()
                + " fields where the header has "
                + header.cells.size()
                + " (a comma in a value needs the value in double quotes)");
      }
      String name = row.cells.get(nameCol);
      if (name.isEmpty())
        throw new IllegalArgumentException("line " + row.line + ": a style without a name");
      if (styles.containsKey(name)) {
        throw new IllegalArgumentException(
            "line "
                + row.line
                + ": style '"
                + name
                + "' is already defined on line "
                + lineOf.get(name));
      }
      String negative = negativeCol == null ? "" : row.cells.get(negativeCol);
      styles.put(name, new Style(name, row.cells.get(promptCol), negative));
      lineOf.put(name, row.line);
    }
    return new PromptStyles(styles, null);
  }

  /** One CSV record and the line it starts on. */
  private record Row(int line, List<String> cells) {}

  /**
   * Splits CSV text into records: comma-separated, double-quoted fields may hold commas, line
   * breaks and doubled quotes; spaces after a comma are dropped; blank lines are skipped.
   */
  private static List<Row> rows(String text) {
    List<Row> rows = new ArrayList<>();
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    int line = 1;
    int rowLine = 1;
    int i = 0;
    int n = text.length();
    boolean fieldStart = true;
    while (i <= n) {
      char c = i < n ? text.charAt(i) : '\n';
      if (fieldStart && c == ' ') {
        i++;
        continue;
      }
      if (fieldStart && c == '"') {
        int quoteLine = line;
        i++;
        while (true) {
          if (i >= n) {
            throw new IllegalArgumentException(
                "line " + quoteLine + ": a quoted field is not closed");
          }
          char q = text.charAt(i);
          if (q == '"') {
            if (i + 1 < n && text.charAt(i + 1) == '"') {
              cell.append('"');
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (q == '\n') line++;
          cell.append(q);
          i++;
        }
        char after = i < n ? text.charAt(i) : '\n';
        if (after != ',' && after != '\n' && after != '\r') {
          throw new IllegalArgumentException(
              "line " + line + ": text after a closing double quote (write \"\" for a quote)");
        }
        fieldStart = false;
        continue;
      }
      if (c == ',') {
        cells.add(cell.toString());
        cell.setLength(0);
        fieldStart = true;
        i++;
        continue;
      }
      if (c == '\r' || c == '\n') {
        boolean blank = cells.isEmpty() && cell.length() == 0 && fieldStart;
        if (!blank) {
          cells.add(cell.toString());
          rows.add(new Row(rowLine, List.copyOf(cells)));
        }
        cells.clear();
        cell.setLength(0);
        fieldStart = true;
        if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') i++;
        i++;
        line++;
        rowLine = line;
        continue;
      }
      cell.append(c);
      fieldStart = false;
      i++;
    }
    return rows;
  }

  /**
   * Applies the named styles' prompts to {@code prompt}, in order, as A1111 does.
   *
   * @throws ApiException (422) for a name that is not a style, listing the known ones
   */
  String applyToPrompt(String prompt, List<String> names) {
    for (String n : names) prompt = merge(style(n).prompt(), prompt);
    return prompt;
  }

  /** The same for the negative prompt with the styles' negative prompts. */
  String applyToNegativePrompt(String negative, List<String> names) {
    for (String n : names) negative = merge(style(n).negativePrompt(), negative);
    return negative;
  }

  private Style style(String name) {
    Style s = styles.get(name);
    if (s == null) {
      throw ApiException.invalid(
          "styles: no style named '"
              + Json.abbreviate(name)
              + "'; "
              + (styles.isEmpty()
                  ? "this server has none (start it with --styles FILE)"
                  : "known: " + String.join(", ", styles.keySet())));
    }
    return s;
  }

  /** A1111's {@code merge_prompts(style_prompt, prompt)}. */
  static String merge(String stylePrompt, String prompt) {
    if (stylePrompt.contains("{prompt}")) return stylePrompt.replace("{prompt}", prompt);
    String p = prompt.strip();
    String s = stylePrompt.strip();
    if (p.isEmpty()) return s;
    if (s.isEmpty()) return p;
    return p + ", " + s;
  }
}
