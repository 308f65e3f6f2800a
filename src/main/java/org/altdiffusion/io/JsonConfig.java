package org.altdiffusion.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A JSON config file (config.json, scheduler_config.json, model_index.json) read field by field
 * into typed values. Absent or null fields take the caller's default (the reference default); a
 * field of the wrong type is an error naming the file, the field and what it should be.
 */
public final class JsonConfig {
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
    JsonNode root;
    try {
      root = SafeTensors.STRICT_JSON.readTree(text);
    } catch (IOException e) {
      String m = e.getMessage();
      int cut = m == null ? -1 : m.indexOf("\n at [Source");
      throw new CheckpointException(file, "not valid JSON: " + (cut > 0 ? m.substring(0, cut) : m));
    }
    if (root == null || !root.isObject())
      throw new CheckpointException(file, "expected a JSON object");
    return new JsonConfig(file, root);
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

  public double real(String key, double fallback) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) return fallback;
    if (!n.isNumber()) throw wrong(key, "a number", n);
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
    if (!n.isArray()) throw wrong(key, "a list of numbers", n);
    List<Double> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isNumber()) throw wrong(key, "a list of numbers", n);
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

  /** An error about field {@code key}, for checks the caller makes (unsupported values, ...). */
  public CheckpointException error(String key, String problem) {
    return new CheckpointException(file, "field '" + key + "': " + problem);
  }

  private CheckpointException wrong(String key, String expected, JsonNode actual) {
    return new CheckpointException(
        file, "field '" + key + "' must be " + expected + ", got " + actual);
  }
}
