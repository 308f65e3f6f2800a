package org.altdiffusion.io.pytorch;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Python values {@link SafeUnpickler} builds. Plain values map to Java types: None is {@code
 * null}, bool {@link Boolean}, int {@link Long} (or {@link BigInteger} when it does not fit), float
 * {@link Double}, str {@link String}, list {@link java.util.ArrayList}. The rest are the records
 * here. Nothing here can run code: a {@link Global} is a name plus, for allow-listed callables, a
 * Java implementation we wrote.
 */
public final class Py {
  private Py() {}

  /**
   * An immutable tuple. Tuples are built from values already on the stack, so they never contain
   * themselves.
   */
  public record Tuple(List<Object> items) {
    public Tuple {
      items = Collections.unmodifiableList(new ArrayList<>(items));
    }

    public int size() {
      return items.size();
    }

    public Object get(int i) {
      return items.get(i);
    }

    @Override
    public String toString() {
      return describe(this);
    }
  }

  /** bytes (BINBYTES, or _codecs.encode under protocol 2). */
  public record Bytes(byte[] value) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Bytes b && Arrays.equals(value, b.value);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "bytes[" + value.length + "]";
    }
  }

  /**
   * dict or collections.OrderedDict, in insertion order; {@code state} is what BUILD set on it
   * (ignored).
   */
  public static final class Dict {
    final String type;
    final Map<Object, Object> items = new LinkedHashMap<>();
    Object state;

    Dict(String type) {
      this.type = type;
    }

    public String type() {
      return type;
    }

    /**
     * Entries in insertion order; keys are hashable values (str, int, float, bool, None, bytes,
     * tuples of those).
     */
    public Map<Object, Object> items() {
      return Collections.unmodifiableMap(items);
    }

    public Object get(Object key) {
      return items.get(key);
    }
  }

  /** set or frozenset; elements kept as a list (we never need set semantics, only the values). */
  public record Set(String type, List<Object> items) {
    @Override
    public String toString() {
      return type + "[" + items.size() + "]";
    }
  }

  /**
   * A global named by GLOBAL/STACK_GLOBAL that passed the allow-list. {@code call} is our own Java
   * implementation, or null for names that are only data (storage classes, dtypes, torch.Tensor).
   */
  public record Global(String module, String name, Call call) {
    public String qualifiedName() {
      return module + "." + name;
    }

    @Override
    public String toString() {
      return qualifiedName();
    }
  }

  /**
   * The Java implementation of an allow-listed callable: arguments in, value out; throws
   * PickleException.
   */
  @FunctionalInterface
  public interface Call {
    Object apply(Tuple args);
  }

  /** A problem found while interpreting a pickle; SafeUnpickler adds the position and the file. */
  public static final class PickleException extends RuntimeException {
    public PickleException(String message) {
      super(message);
    }
  }

  /** Python's type name of a value, for error messages. */
  public static String typeName(Object v) {
    if (v == null) return "None";
    if (v instanceof Boolean) return "bool";
    if (v instanceof Long || v instanceof BigInteger) return "int";
    if (v instanceof Double) return "float";
    if (v instanceof String) return "str";
    if (v instanceof List) return "list";
    if (v instanceof Tuple) return "tuple";
    if (v instanceof Bytes) return "bytes";
    if (v instanceof Dict d) return d.type;
    if (v instanceof Set s) return s.type;
    if (v instanceof Global g) return g.qualifiedName();
    return v.getClass().getSimpleName();
  }

  /**
   * {@code s} safe to print in an error message: control and format characters (which a hostile
   * file could use to rewrite a terminal line) become {@code \\uXXXX}; at most 200 characters.
   */
  public static String printable(String s) {
    return printable(s, 200);
  }

  static String printable(String s, int max) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      if (b.length() >= max) return b + "...";
      char c = s.charAt(i);
      int type = Character.getType(c);
      if (Character.isISOControl(c)
          || type == Character.FORMAT
          || type == Character.SURROGATE
          || type == Character.LINE_SEPARATOR
          || type == Character.PARAGRAPH_SEPARATOR
          || type == Character.UNASSIGNED) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** "a str", "an int", "an OrderedDict": the type name with its article, for error messages. */
  public static String aTypeName(Object v) {
    String t = typeName(v);
    return ("aeiouAEIOU".indexOf(t.charAt(0)) >= 0 ? "an " : "a ") + t;
  }

  /**
   * A short description of a value for error messages: bounded in length and depth, never recursive
   * without limit.
   */
  public static String describe(Object v) {
    StringBuilder b = new StringBuilder();
    describe(v, b, 0);
    return b.length() > 200 ? b.substring(0, 200) + "..." : b.toString();
  }

  private static void describe(Object v, StringBuilder b, int depth) {
    if (b.length() > 200) return;
    if (v instanceof String s) {
      b.append('\'').append(printable(s, 80)).append('\'');
    } else if (v instanceof Tuple t && depth < 3) {
      b.append('(');
      for (int i = 0; i < t.size() && i < 8; i++) {
        if (i > 0) b.append(", ");
        describe(t.get(i), b, depth + 1);
      }
      b.append(t.size() > 8 ? ", ...)" : t.size() == 1 ? ",)" : ")");
    } else if (v == null || v instanceof Boolean || v instanceof Number || v instanceof Global) {
      String s = v instanceof Boolean x ? (x ? "True" : "False") : String.valueOf(v);
      b.append(v == null ? "None" : printable(s, 40));
    } else {
      b.append('<').append(typeName(v)).append('>');
    }
  }
}
