package org.altdiffusion.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A JSON config file (config.json, scheduler_config.json, model_index.json, tokenizer_config.json,
 * sharded-checkpoint indexes) read field by field into typed values. Absent or null fields take the
 * caller's default (the reference default); a field of the wrong type is an error naming the file,
 * the field and what it should be.
 *
 * <p>The text is read as Python's {@code json} module reads it, since diffusers and transformers
 * write and read these files with it: {@code NaN}, {@code Infinity} and {@code -Infinity} are
 * numbers (Python writes float('inf') that way, e.g. DPMSolverMultistepScheduler's {@code
 * "lambda_min_clipped": -Infinity}), other spellings ({@code INF}, {@code +Infinity}) are not; a
 * number too large for a double is infinite, as Python's float(); a repeated key keeps its last
 * value. {@link #real} accepts finite numbers only; a key whose infinity means something asks for
 * it with {@link #realOrInfinity}.
 */
public final class JsonConfig {
  /**
   * Jackson set up as Python's json.loads: non-finite numbers, last value of a repeated key,
   * nothing after the value.
   */
  private static final ObjectMapper PYTHON_JSON =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  /**
   * The non-finite literals Python's json module reads (json.scanner: NaN, Infinity, -Infinity).
   */
  private static final Set<String> PYTHON_NON_FINITE = Set.of("NaN", "Infinity", "-Infinity");

  private final Path file;
  private final JsonNode root;

  private JsonConfig(Path file, JsonNode root) {
    this.file = file;
    this.root = root;
  }

  /** Reads and parses {@code file}; it must hold a JSON object. */
  public static JsonConfig read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new CheckpointException(file, "file not found");
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
    return parse(file, text);
  }

  /** Parses {@code text} as the content of {@code file} (the name is used in errors only). */
  public static JsonConfig parse(Path file, String text) {
    return of(file, parseTree(file, text));
  }

  /**
   * A config over a JSON object already parsed (the name {@code file} is used in errors only). The
   * tree is used as is, not copied: numbers keep their exact values, infinities included.
   */
  public static JsonConfig of(Path file, JsonNode root) {
    if (root == null || !root.isObject())
      throw new CheckpointException(file, "expected a JSON object");
    return new JsonConfig(file, root);
  }

  /**
   * Parses {@code text} (the content of {@code file}) as Python's json.loads does (see the class
   * comment); an error names the file and the place.
   */
  public static JsonNode parseTree(Path file, String text) {
    try {
      try (JsonParser p = PYTHON_JSON.createParser(text)) {
        // Jackson also reads INF, +INF, +Infinity, -INF; Python's json does not.
        for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
          if (t == JsonToken.VALUE_NUMBER_FLOAT
              && p.isNaN()
              && !PYTHON_NON_FINITE.contains(p.getText())) {
            throw new CheckpointException(
                file,
                "not valid JSON: Non-standard token '"
                    + p.getText()
                    + "' at line "
                    + p.currentLocation().getLineNr()
                    + " (Python's json reads NaN, Infinity and -Infinity only)");
          }
        }
      } catch (IOException e) {
        // reported with the full parse below
      }
      return PYTHON_JSON.readTree(text);
    } catch (IOException e) {
      String m = e.getMessage();
      int cut = m == null ? -1 : m.indexOf("\n at [Source");
      throw new CheckpointException(file, "not valid JSON: " + (cut > 0 ? m.substring(0, cut) : m));
    }
  }

  public Path file() {
    return file;
  }

  public boolean has(String key) {
    JsonNode n = root.get(key);
    return n != null && !n.isNull();
  }

  public List<String> keys() {
    List<String> out = new ArrayList<>();
    Iterator<String> it = root.fieldNames();
    while (it.hasNext()) out.add(it.next());
    return out;
  }

  public int integer(String key, int fallback) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) return fallback;
    if (!n.isIntegralNumber() || !n.canConvertToInt()) throw wrong(key, "an integer", n);
    return n.asInt();
  }

  /** A finite number; NaN and infinities are errors naming the key. */
  public double real(String key, double fallback) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) return fallback;
    if (!n.isNumber()) throw wrong(key, "a number", n);
    if (!Double.isFinite(n.asDouble())) throw wrong(key, "a finite number", n);
    return n.asDouble();
  }

  /**
   * A number that may be infinite ({@code Infinity} / {@code -Infinity}, for keys where the
   * reference gives infinity a meaning, such as "no clipping"); NaN is an error naming the key.
   */
  public double realOrInfinity(String key, double fallback) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) return fallback;
    if (!n.isNumber() || Double.isNaN(n.asDouble()))
      throw wrong(key, "a number (Infinity and -Infinity allowed)", n);
    return n.asDouble();
  }

  public boolean bool(String key, boolean fallback) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) return fallback;
    if (!n.isBoolean()) throw wrong(key, "true or false", n);
    return n.asBoolean();
  }

  public String string(String key, String fallback) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) return fallback;
    if (!n.isTextual()) throw wrong(key, "a string", n);
    return n.asText();
  }

  /** A list of integers. */
  public List<Integer> integers(String key, List<Integer> fallback) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) return fallback;
    if (!n.isArray()) throw wrong(key, "a list of integers", n);
    List<Integer> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isIntegralNumber() || !e.canConvertToInt()) throw wrong(key, "a list of integers", n);
      out.add(e.asInt());
    }
    return out;
  }

  public List<Double> reals(String key, List<Double> fallback) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) return fallback;
    if (!n.isArray()) throw wrong(key, "a list of finite numbers", n);
    List<Double> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isNumber() || !Double.isFinite(e.asDouble()))
        throw wrong(key, "a list of finite numbers", n);
      out.add(e.asDouble());
    }
    return out;
  }

  public List<String> strings(String key, List<String> fallback) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) return fallback;
    if (!n.isArray()) throw wrong(key, "a list of strings", n);
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isTextual()) throw wrong(key, "a list of strings", n);
      out.add(e.asText());
    }
    return out;
  }

  /**
   * An integer or a list of integers (diffusers' {@code attention_head_dim} is either): a single
   * value is repeated {@code length} times; a list must have exactly {@code length} entries.
   */
  public List<Integer> integerOrList(String key, int length, List<Integer> fallback) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) return fallback;
    if (n.isIntegralNumber() && n.canConvertToInt()) {
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < length; i++) out.add(n.asInt());
      return out;
    }
    List<Integer> list = integers(key, fallback);
    if (list.size() != length) {
      throw new CheckpointException(
          file,
          "field '"
              + key
              + "' has "
              + list.size()
              + " entries, expected "
              + length
              + " (one per block)");
    }
    return list;
  }

  /**
   * The raw JSON of a field (null when absent), for structured values such as model_index entries.
   */
  public JsonNode node(String key) {
    return root.get(key);
  }

  /**
   * The object in field {@code key} as a config of its own (errors still name this file), or null
   * when the field is absent or null; an error when it is not an object.
   */
  public JsonConfig object(String key) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) return null;
    if (!n.isObject()) throw wrong(key, "an object", n);
    return new JsonConfig(file, n);
  }

  /**
   * The config as diffusers' ConfigMixin takes it (extract_init_dict): the keys listed in {@code
   * _use_default_values} are dropped, so that they take the class's defaults. Some diffusers
   * versions wrote that list into saved files (the values there were the defaults of the writing
   * version; 0.30.3 ignores them). This config when the key is absent.
   */
  public JsonConfig withoutDiffusersDefaults() {
    JsonNode list = root.get("_use_default_values");
    if (list == null || list.isNull()) return this;
    if (!list.isArray()) throw wrong("_use_default_values", "a list of strings", list);
    ObjectNode copy = copy();
    for (JsonNode key : list) {
      if (!key.isTextual()) throw wrong("_use_default_values", "a list of strings", list);
      copy.remove(key.asText());
    }
    copy.remove("_use_default_values");
    return new JsonConfig(file, copy);
  }

  /** A deep copy of the whole object, to edit and re-read with {@link #of}. */
  public ObjectNode copy() {
    return ((ObjectNode) root).deepCopy();
  }

  /** An error about field {@code key}, for checks the caller makes (unsupported values, ...). */
  public CheckpointException error(String key, String problem) {
    return new CheckpointException(file, "field '" + key + "': " + problem);
  }

  private CheckpointException wrong(String key, String expected, JsonNode actual) {
    return new CheckpointException(
        file, "field '" + key + "' must be " + expected + ", got " + show(actual));
  }

  /**
   * A value as the file spells it: JSON, with non-finite numbers as Python writes them (Jackson's
   * own toString would quote them, as if they were strings).
   */
  public static String show(JsonNode n) {
    if (n != null && n.isNumber() && !Double.isFinite(n.asDouble())) {
      double v = n.asDouble();
      return Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
    }
    if (n != null && n.isContainerNode()) {
      try {
        return PYTHON_JSON
            .writer()
            .without(com.fasterxml.jackson.core.json.JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .writeValueAsString(n);
      } catch (IOException e) {
        return String.valueOf(n);
      }
    }
    return String.valueOf(n);
  }
}
