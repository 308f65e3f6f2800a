package org.altdiffusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Example prompts for the web page. A model folder may ship its own, as {@value #FILE}: a JSON
 * array of {@code {"lang": "de", "prompt": "..."}} objects (or plain prompt strings), such as
 * captions of its training data. Otherwise the page gets the generic examples ({@code
 * /web/examples.json}): one caption per language of the built-in model's training captions (simple
 * coloured shapes, in the 18 languages of AltDiffusion m18), which it draws, and which any
 * text-to-image model can draw too.
 */
final class PromptExamples {
  /** The file name in a model folder. */
  static final String FILE = "examples.json";

  /** Bounds on an operator's file: it is read for a web page, not a data set. */
  static final long MAX_FILE_BYTES = 1 << 20;

  static final int MAX_EXAMPLES = 200;
  static final int MAX_PROMPT_CHARS = 1000;
  private static final Pattern LANG = Pattern.compile("[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*");

  private static final List<PromptExample> GENERIC = loadGeneric();

  private PromptExamples() {}

  /** The generic examples, one per language, English first. */
  static List<PromptExample> generic() {
    return GENERIC;
  }

  private static List<PromptExample> loadGeneric() {
    try (InputStream in = PromptExamples.class.getResourceAsStream("/web/examples.json")) {
      if (in == null) throw new IllegalStateException("/web/examples.json is missing from the jar");
      return parse(Json.MAPPER.readTree(in), "/web/examples.json");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The examples in {@code file}.
   *
   * @throws IllegalArgumentException naming what is wrong with the file
   */
  static List<PromptExample> read(Path file) throws IOException {
    long size = Files.size(file);
    if (size > MAX_FILE_BYTES)
      throw new IllegalArgumentException(
          file + " is " + size + " bytes; example files may hold at most " + MAX_FILE_BYTES);
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(Files.readAllBytes(file));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage());
    }
    return parse(root, file.toString());
  }

  static List<PromptExample> parse(JsonNode root, String where) {
    if (root == null || !root.isArray())
      throw new IllegalArgumentException(
          where + " must hold a JSON array of {\"lang\": ..., \"prompt\": ...} objects");
    if (root.size() > MAX_EXAMPLES)
      throw new IllegalArgumentException(
          where + " holds " + root.size() + " examples; at most " + MAX_EXAMPLES + " are read");
    List<PromptExample> out = new ArrayList<>();
    for (int i = 0; i < root.size(); i++) {
      JsonNode e = root.get(i);
      String lang = null;
      JsonNode prompt = e;
      if (e.isObject()) {
        JsonNode l = e.get("lang");
        if (l != null && !l.isNull()) {
          if (!l.isTextual() || !LANG.matcher(l.textValue()).matches())
            throw new IllegalArgumentException(
                where + "[" + i + "].lang must be a language code such as \"de\" or \"pt-BR\"");
          lang = l.textValue();
        }
        prompt = e.get("prompt");
      }
      if (prompt == null || !prompt.isTextual() || prompt.textValue().isBlank())
        throw new IllegalArgumentException(
            where + "[" + i + "] needs a non-empty \"prompt\" string");
      String p = prompt.textValue().strip();
      if (p.codePointCount(0, p.length()) > MAX_PROMPT_CHARS)
        throw new IllegalArgumentException(
            where + "[" + i + "].prompt is longer than " + MAX_PROMPT_CHARS + " characters");
      out.add(new PromptExample(lang, p));
    }
    return List.copyOf(out);
  }
}
