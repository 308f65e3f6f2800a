package org.altdiffusion.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.altdiffusion.io.CheckpointException;

/**
 * JSON reading for tokenizer.json, with errors that name the file and the place in it. Duplicate
 * keys keep the last value, as serde does. The Rust tokenizers library reads this file
 * (serde_json), which has no NaN or Infinity, so neither do we here; the files transformers reads
 * with Python's json (tokenizer_config.json, special_tokens_map.json, vocab.json) go through {@link
 * org.altdiffusion.io.JsonConfig}.
 */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static JsonNode read(Path file) {
    try {
      return MAPPER.readTree(ClipTokenizer.readString(file));
    } catch (IOException e) {
      throw new CheckpointException(
          file, "not valid JSON: " + ClipTokenizer.firstLine(e.getMessage()));
    }
  }

  /** A JSON node with the file and path it came from, for error messages. */
  record Node(Path file, String path, JsonNode node) {
    static Node root(Path file, JsonNode node) {
      return new Node(file, "", node);
    }

    boolean has(String key) {
      JsonNode n = node.get(key);
      return n != null && !n.isNull();
    }

    Node get(String key) {
      JsonNode n = node.get(key);
      if (n == null || n.isNull()) throw error("missing field \"" + key + "\"");
      return new Node(file, path.isEmpty() ? key : path + "." + key, n);
    }

    Node opt(String key) {
      return has(key) ? get(key) : null;
    }

    Node at(int i) {
      return new Node(file, path + "[" + i + "]", node.get(i));
    }

    int size() {
      return node.size();
    }

    String text() {
      if (!node.isTextual()) throw error("must be a string");
      return node.asText();
    }

    String text(String key, String fallback) {
      return has(key) ? get(key).text() : fallback;
    }

    boolean bool(String key, boolean fallback) {
      if (!has(key)) return fallback;
      Node n = get(key);
      if (!n.node.isBoolean()) throw n.error("must be true or false");
      return n.node.asBoolean();
    }

    int integer() {
      if (!node.isIntegralNumber() || !node.canConvertToInt()) throw error("must be an integer");
      return node.asInt();
    }

    double number() {
      if (!node.isNumber()) throw error("must be a number");
      return node.asDouble();
    }

    Node array() {
      if (!node.isArray()) throw error("must be a list");
      return this;
    }

    Node object() {
      if (!node.isObject()) throw error("must be an object");
      return this;
    }

    CheckpointException error(String problem) {
      return new CheckpointException(file, (path.isEmpty() ? "" : "at " + path + ": ") + problem);
    }
  }
}
