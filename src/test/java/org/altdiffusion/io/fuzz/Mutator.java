package org.altdiffusion.io.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.altdiffusion.io.DType;

/**
 * Mutations of checkpoint files: byte-level ones for any format (bit flips, byte insertions and
 * deletions, truncation, junk), and for safetensors edits of the length prefix and of the JSON
 * header (numbers, dtypes, shapes, offsets, duplicated/removed/renamed entries, metadata, syntax),
 * plus shape changes that keep the file consistent so that valid variants are exercised too.
 */
final class Mutator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] INTERESTING_BYTES = {
    0, 1, -1, 0x7f, (byte) 0x80, '{', '}', '[', ']', '"', ',', ':', '\\', ' ', '-', '0', '9'
  };
  private static final String[] NUMBERS = {
    "0",
    "1",
    "-1",
    "-0",
    "2",
    "3",
    "4",
    "7",
    "8",
    "255",
    "65535",
    "2147483647",
    "2147483648",
    "4294967296",
    "9007199254740993",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "1099511627776",
    "1e3",
    "1.0",
    "1.5",
    "-1e400",
    "0x10",
    "00",
    "1E+2",
    "123456789012345678901234567890123456789012345678901234567890"
  };
  private static final String[] DTYPES = {
    "F64",
    "F32",
    "F16",
    "BF16",
    "I64",
    "I32",
    "I16",
    "I8",
    "U8",
    "BOOL",
    "U16",
    "U32",
    "U64",
    "F8_E4M3",
    "F8_E5M2",
    "C64",
    "F4",
    "f32",
    "",
    "F32 ",
    "FLOAT",
    "\\u0046\\u0033\\u0032",
    "F3\\u0000"
  };
  private static final String[] JSON_SNIPPETS = {
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "\\u",
    "\\ud800",
    "null",
    "true",
    "1",
    "-",
    "1e999",
    "\u00e9",
    "\u0000",
    "\u001f",
    "\t",
    "\n",
    " ",
    "{}",
    "[]",
    "\"__metadata__\"",
    "/*",
    "NaN",
    "'"
  };
  private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?");
  private static final Pattern DTYPE = Pattern.compile("\"dtype\"\\s*:\\s*\"([^\"]*)\"");
  private static final Pattern ARRAY =
      Pattern.compile("\"(shape|data_offsets)\"\\s*:\\s*\\[([^\\]]*)\\]");

  /** A flat object member: an entry or __metadata__ ("name": {...} without nested objects). */
  private static final Pattern MEMBER =
      Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"\\s*:\\s*\\{[^{}]*\\}");

  private Mutator() {}

  /** One to four stacked mutations of {@code seed}; header-aware ones when {@code safetensors}. */
  static byte[] mutate(byte[] seed, SplittableRandom r, boolean safetensors) {
    byte[] b = seed;
    int steps = 1 + r.nextInt(r.nextInt(4) + 1);
    for (int i = 0; i < steps; i++) {
      b =
          safetensors && r.nextInt(10) < 6
              ? mutateSafetensors(b, r)
              : mutateBytes(b, r, headerEnd(b, safetensors));
    }
    return b;
  }

  // ---------------------------------------------------------------- byte level

  /** A byte-level mutation; half of the positions fall before {@code focus} (the header's end). */
  static byte[] mutateBytes(byte[] b, SplittableRandom r, int focus) {
    int len = b.length;
    int pos =
        len == 0
            ? 0
            : (focus > 0 && r.nextBoolean() ? r.nextInt(Math.min(focus, len)) : r.nextInt(len));
    switch (r.nextInt(8)) {
      case 0 -> { // flip 1-4 bits
        if (len == 0) return new byte[] {(byte) r.nextInt(256)};
        byte[] out = b.clone();
        for (int k = r.nextInt(4); k >= 0; k--) {
          int p = k == 0 ? pos : r.nextInt(len);
          out[p] ^= (byte) (1 << r.nextInt(8));
        }
        return out;
      }
      case 1 -> { // overwrite with an interesting byte
        if (len == 0) return new byte[] {INTERESTING_BYTES[r.nextInt(INTERESTING_BYTES.length)]};
        byte[] out = b.clone();
        out[pos] = INTERESTING_BYTES[r.nextInt(INTERESTING_BYTES.length)];
        return out;
      }
      case 2 -> { // insert 1-16 bytes
        byte[] ins = new byte[1 + r.nextInt(16)];
        if (r.nextBoolean()) r.nextBytes(ins);
        else Arrays.fill(ins, INTERESTING_BYTES[r.nextInt(INTERESTING_BYTES.length)]);
        return splice(b, pos, 0, ins);
      }
      case 3 -> { // delete 1-16 bytes
        return splice(b, pos, Math.min(len - pos, 1 + r.nextInt(16)), new byte[0]);
      }
      case 4 -> { // truncate
        return Arrays.copyOf(b, len == 0 ? 0 : r.nextInt(len));
      }
      case 5 -> { // append junk
        byte[] junk = new byte[1 + r.nextInt(64)];
        if (r.nextBoolean()) r.nextBytes(junk);
        return splice(b, len, 0, junk);
      }
      case 6 -> { // duplicate a chunk in place
        int n = Math.min(len - pos, 1 + r.nextInt(32));
        return splice(b, pos, 0, Arrays.copyOfRange(b, pos, pos + n));
      }
      default -> { // swap two bytes
        if (len < 2) return b;
        byte[] out = b.clone();
        int q = r.nextInt(len);
        byte t = out[pos];
        out[pos] = out[q];
        out[q] = t;
        return out;
      }
    }
  }

  static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
    byte[] out = new byte[b.length - remove + insert.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(insert, 0, out, at, insert.length);
    System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
    return out;
  }

  // ---------------------------------------------------------------- safetensors aware

  /** The header's end (8 + N) when the length prefix fits the file, else 0. */
  private static int headerEnd(byte[] b, boolean safetensors) {
    if (!safetensors || b.length < 8) return 0;
    long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    return n >= 0 && n <= b.length - 8 ? (int) (8 + n) : 0;
  }

  private static byte[] mutateSafetensors(byte[] b, SplittableRandom r) {
    int end = headerEnd(b, true);
    if (end == 0 || r.nextInt(12) == 0) return setLength(b, r);
    String header = utf8(Arrays.copyOfRange(b, 8, end));
    if (header == null) return mutateBytes(b, r, end);
    byte[] data = Arrays.copyOfRange(b, end, b.length);
    if (r.nextInt(8) == 0) {
      byte[] rebuilt = consistentReshape(header, data, r);
      if (rebuilt != null) return rebuilt;
    }
    String edited =
        switch (r.nextInt(10)) {
          case 0, 1 -> replaceNumber(header, r);
          case 2 -> replaceDtype(header, r);
          case 3, 4 -> editArray(header, r);
          case 5 -> editMember(header, r);
          case 6 -> editMetadata(header, r);
          case 7 -> insertSnippet(header, r);
          case 8 -> deleteChars(header, r);
          default -> pad(header, r);
        };
    byte[] h = edited.getBytes(StandardCharsets.UTF_8);
    long declared =
        r.nextInt(10) == 0 ? end - 8 : h.length; // sometimes keep the old, now wrong, length
    return Seeds.assemble(h, declared, data);
  }

  private static byte[] setLength(byte[] b, SplittableRandom r) {
    byte[] out = b.length >= 8 ? b.clone() : Arrays.copyOf(b, 8);
    long n =
        out.length >= 8 ? ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong() : 0;
    long[] choices = {
      n + 1,
      n - 1,
      n + 8,
      n - 8,
      0,
      1,
      2,
      100_000_000L,
      100_000_001L,
      out.length - 8,
      out.length,
      Long.MAX_VALUE,
      Long.MIN_VALUE,
      -1,
      1L << 32,
      r.nextLong()
    };
    long v = choices[r.nextInt(choices.length)];
    ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
    return out;
  }

  private static String replaceNumber(String h, SplittableRandom r) {
    List<int[]> spans = spans(NUMBER.matcher(h), 0);
    if (spans.isEmpty()) return insertSnippet(h, r);
    int[] s = spans.get(r.nextInt(spans.size()));
    String old = h.substring(s[0], s[1]);
    String replacement;
    if (r.nextBoolean() && old.matches("\\d{1,18}")) {
      long v = Long.parseLong(old);
      long[] near = {v + 1, v - 1, v * 2, v / 2, v + 4, v - 4, v * 1024};
      replacement = Long.toString(near[r.nextInt(near.length)]);
    } else {
      replacement = NUMBERS[r.nextInt(NUMBERS.length)];
    }
    return h.substring(0, s[0]) + replacement + h.substring(s[1]);
  }

  private static String replaceDtype(String h, SplittableRandom r) {
    List<int[]> spans = spans(DTYPE.matcher(h), 1);
    if (spans.isEmpty()) return replaceNumber(h, r);
    int[] s = spans.get(r.nextInt(spans.size()));
    return h.substring(0, s[0]) + DTYPES[r.nextInt(DTYPES.length)] + h.substring(s[1]);
  }

  /** Edits the contents of a shape or data_offsets array: add, drop, repeat, reorder, empty. */
  private static String editArray(String h, SplittableRandom r) {
    List<int[]> spans = spans(ARRAY.matcher(h), 2);
    if (spans.isEmpty()) return replaceNumber(h, r);
    int[] s = spans.get(r.nextInt(spans.size()));
    List<String> items = new ArrayList<>();
    for (String x : h.substring(s[0], s[1]).split(",")) if (!x.isBlank()) items.add(x.strip());
    switch (r.nextInt(6)) {
      case 0 -> items.add(r.nextInt(items.size() + 1), NUMBERS[r.nextInt(12)]);
      case 1 -> {
        if (!items.isEmpty()) items.remove(r.nextInt(items.size()));
      }
      case 2 -> {
        if (!items.isEmpty()) items.add(items.get(r.nextInt(items.size())));
      }
      case 3 -> java.util.Collections.reverse(items);
      case 4 -> items.clear();
      default -> {
        for (int i = 0; i < 70; i++) items.add("1");
      } // past the rank limit
    }
    return h.substring(0, s[0]) + String.join(",", items) + h.substring(s[1]);
  }

  /** Duplicates, removes, renames an entry, or copies one under a new name (overlap). */
  private static String editMember(String h, SplittableRandom r) {
    List<int[]> spans = spans(MEMBER.matcher(h), 0);
    List<int[]> names = spans(MEMBER.matcher(h), 1);
    if (spans.isEmpty()) return insertSnippet(h, r);
    int k = r.nextInt(spans.size());
    int[] s = spans.get(k);
    int[] n = names.get(k);
    String member = h.substring(s[0], s[1]);
    return switch (r.nextInt(4)) {
      case 0 -> h.substring(0, s[1]) + "," + member + h.substring(s[1]); // duplicate name
      case 1 -> { // remove, with one adjacent comma
        String before = h.substring(0, s[0]);
        String after = h.substring(s[1]);
        if (after.stripLeading().startsWith(",")) after = after.stripLeading().substring(1);
        else if (before.stripTrailing().endsWith(","))
          before = before.stripTrailing().substring(0, before.stripTrailing().length() - 1);
        yield before + after;
      }
      case 2 ->
          h.substring(0, n[0])
              + (r.nextBoolean() ? "__metadata__" : "")
              + h.substring(n[1]); // rename
      default ->
          h.substring(0, s[1])
              + ",\"copy"
              + r.nextInt(100)
              + "\""
              + member.substring(member.indexOf(':'))
              + h.substring(s[1]);
    };
  }

  private static String editMetadata(String h, SplittableRandom r) {
    String[] values = {
      "null",
      "1",
      "\"s\"",
      "[]",
      "{}",
      "{\"k\":1}",
      "{\"k\":null}",
      "{\"k\":\"v\",\"k\":\"w\"}",
      "{\"k\":\"\\ud800\"}",
      "{\"k\":{\"n\":\"v\"}}",
      "{\"k\":\"v\"}"
    };
    String v = values[r.nextInt(values.length)];
    int at = h.indexOf("\"__metadata__\"");
    if (at >= 0) {
      Matcher m = MEMBER.matcher(h);
      if (m.find(at) && m.start() == at)
        return h.substring(0, at) + "\"__metadata__\":" + v + h.substring(m.end());
    }
    int brace = h.indexOf('{');
    if (brace < 0) return insertSnippet(h, r);
    String rest = h.substring(brace + 1).stripLeading();
    return h.substring(0, brace + 1)
        + "\"__metadata__\":"
        + v
        + (rest.startsWith("}") ? "" : ",")
        + h.substring(brace + 1);
  }

  private static String insertSnippet(String h, SplittableRandom r) {
    int at = h.isEmpty() ? 0 : r.nextInt(h.length() + 1);
    return h.substring(0, at) + JSON_SNIPPETS[r.nextInt(JSON_SNIPPETS.length)] + h.substring(at);
  }

  private static String deleteChars(String h, SplittableRandom r) {
    if (h.isEmpty()) return insertSnippet(h, r);
    int at = r.nextInt(h.length());
    return h.substring(0, at) + h.substring(Math.min(h.length(), at + 1 + r.nextInt(3)));
  }

  /** Whitespace and other padding around the JSON object: some legal, some not. */
  private static String pad(String h, SplittableRandom r) {
    String[] pads = {" ", "\n", "\t", "\r\n", "\u0000", "\u00a0", "\ufeff", "x", "{}", "        "};
    String p = pads[r.nextInt(pads.length)];
    return r.nextBoolean() ? p + h : h + p;
  }

  /**
   * Changes one tensor's shape (a dimension to 0, grown, shrunk, added or dropped) and rewrites
   * every offset and the data section to match: a valid file with a different layout.
   */
  private static byte[] consistentReshape(String header, byte[] data, SplittableRandom r) {
    JsonNode root;
    try {
      root = JSON.readTree(header);
    } catch (Exception e) {
      return null;
    }
    if (!(root instanceof ObjectNode obj)) return null;
    List<ObjectNode> entries = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().equals("__metadata__") && e.getValue() instanceof ObjectNode en)
        entries.add(en);
    }
    if (entries.isEmpty()) return null;
    try {
      ObjectNode target = entries.get(r.nextInt(entries.size()));
      ArrayNode shape = (ArrayNode) target.get("shape");
      switch (r.nextInt(4)) {
        case 0 -> {
          if (shape.size() > 0) shape.set(r.nextInt(shape.size()), 0);
        }
        case 1 -> {
          if (shape.size() > 0) shape.set(r.nextInt(shape.size()), 1 + r.nextInt(7));
        }
        case 2 -> shape.add(1 + r.nextInt(3));
        default -> {
          if (shape.size() > 0) shape.remove(shape.size() - 1);
        }
      }
      entries.sort(
          (a, b) ->
              Long.compare(
                  a.get("data_offsets").get(0).asLong(), b.get("data_offsets").get(0).asLong()));
      long cursor = 0;
      for (ObjectNode e : entries) {
        long bytes = DType.parse(e.get("dtype").asText()).byteSize();
        for (JsonNode d : e.get("shape")) bytes = Math.multiplyExact(bytes, d.asLong());
        if (bytes > (1 << 20)) return null;
        ((ArrayNode) e.get("data_offsets")).removeAll().add(cursor).add(cursor + bytes);
        cursor += bytes;
      }
      byte[] newData = Arrays.copyOf(data, (int) cursor);
      return Seeds.assemble(Seeds.json(obj), new String[] {"", " ".repeat(r.nextInt(8))}, newData);
    } catch (RuntimeException e) {
      return null; // not a shape we can rewrite (it was already mutated): skip this mutation
    }
  }

  private static List<int[]> spans(Matcher m, int group) {
    List<int[]> out = new ArrayList<>();
    while (m.find()) out.add(new int[] {m.start(group), m.end(group)});
    return out;
  }

  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
