package org.altdiffusion.tiny;

import java.util.Map;

/**
 * JSON text as Python's {@code json.dumps(value, indent=2, ensure_ascii=False)} writes it (what
 * transformers' save_pretrained writes): objects in the given key order, two-space indents, {@code
 * ": "} after keys. Values are strings, numbers, booleans, lists or nested maps.
 */
public final class JsonText {
  private JsonText() {}

  public static String of(Map<String, ?> object) {
    StringBuilder b = new StringBuilder();
    value(b, object, 0);
    return b.append('\n').toString();
  }

  private static void value(StringBuilder b, Object v, int indent) {
    if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        b.append("{}");
        return;
      }
      b.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        b.append("  ".repeat(indent + 1));
        string(b, (String) e.getKey());
        b.append(": ");
        value(b, e.getValue(), indent + 1);
        b.append(++i < m.size() ? ",\n" : "\n");
      }
      b.append("  ".repeat(indent)).append('}');
    } else if (v instanceof java.util.List<?> list) {
      if (list.isEmpty()) {
        b.append("[]");
        return;
      }
      b.append("[\n");
      for (int i = 0; i < list.size(); i++) {
        b.append("  ".repeat(indent + 1));
        value(b, list.get(i), indent + 1);
        b.append(i + 1 < list.size() ? ",\n" : "\n");
      }
      b.append("  ".repeat(indent)).append(']');
    } else if (v instanceof String s) {
      string(b, s);
    } else if (v instanceof Number || v instanceof Boolean) {
      b.append(v);
    } else {
      throw new IllegalArgumentException("unsupported JSON value " + v);
    }
  }

  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    b.append('"');
  }
}
