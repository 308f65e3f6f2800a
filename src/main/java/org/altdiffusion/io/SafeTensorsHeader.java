package org.altdiffusion.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.altdiffusion.io.SafeTensors.Entry;

/**
 * Reads and validates the header of a safetensors file against every rule of the format, with the
 * reference library (safetensors 0.8.0) as the judge of what is valid:
 *
 * <ul>
 *   <li>u64 little-endian length N, N &lt;= 100,000,000, header inside the file;
 *   <li>N bytes of UTF-8 holding one JSON object; spaces, tabs and newlines around it are padding
 *       (the reference accepts them before and after; writers pad after);
 *   <li>entries {@code {"dtype", "shape", "data_offsets": [begin, end]}}, other fields ignored as
 *       the reference does; optional {@code __metadata__}: an object of strings, or null;
 *   <li>byte size = dtype size x product(shape), overflow checked; offsets relative to the data
 *       section tile it exactly (no gap, no overlap, nothing after the last tensor).
 * </ul>
 *
 * Stricter than the reference, on purpose: duplicate names and duplicate metadata keys are refused
 * (the reference keeps the last one), so are lone UTF-16 surrogates escaped in names (the reference
 * refuses them as bad JSON; Jackson would accept them), shapes libtorch cannot represent (more than
 * {@value #MAX_RANK} dimensions, or strides past 2^63) and the dtypes listed in {@link
 * DType#KNOWN_UNSUPPORTED}. Nothing is allocated in proportion to what the header claims.
 */
final class SafeTensorsHeader {
  /** Largest header the reference library accepts. */
  static final long MAX_HEADER_BYTES = 100_000_000L;

  /** Most dimensions we accept; real checkpoints use at most 5. */
  static final int MAX_RANK = 64;

  /**
   * Streaming JSON without a shared symbol table (untrusted names cannot trigger its hash-collision
   * guard), with string limits raised to the header limit so that any header the reference accepts
   * parses; nesting and number lengths keep Jackson's safe defaults.
   */
  private static final JsonFactory JSON =
      JsonFactory.builder()
          .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
          .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxStringLength((int) MAX_HEADER_BYTES)
                  .maxNameLength((int) MAX_HEADER_BYTES)
                  .build())
          .build();

  /** The validated header: entries in header order with absolute file offsets. */
  final long headerLength;

  final Map<String, Entry> entries;
  final Map<String, String> metadata;

  private SafeTensorsHeader(
      long headerLength, Map<String, Entry> entries, Map<String, String> metadata) {
    this.headerLength = headerLength;
    this.entries = Collections.unmodifiableMap(entries);
    this.metadata = Collections.unmodifiableMap(metadata);
  }

  /**
   * Reads the length prefix and the header of {@code file} through {@code channel}, and validates
   * both.
   */
  static SafeTensorsHeader read(Path file, FileChannel channel) {
    long fileSize;
    try {
      fileSize = channel.size();
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read the file size: " + e.getMessage(), e);
    }
    if (fileSize < 8)
      throw invalid(
          file, "the file is " + fileSize + " bytes, shorter than the 8-byte header length");
    long n = readFully(file, channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (Long.compareUnsigned(n, MAX_HEADER_BYTES) > 0) {
      throw invalid(
          file,
          "header length "
              + Long.toUnsignedString(n)
              + " is over the limit of "
              + MAX_HEADER_BYTES
              + " bytes");
    }
    if (8 + n > fileSize) {
      throw invalid(
          file,
          "header length "
              + n
              + " runs past the end of the file ("
              + fileSize
              + " bytes): truncated?");
    }
    byte[] header = readFully(file, channel, 8, (int) n).array();
    return parse(file, header, fileSize - 8 - n);
  }

  /**
   * Validates {@code header} (the N bytes after the length) for a data section of {@code dataSize}
   * bytes.
   */
  static SafeTensorsHeader parse(Path file, byte[] header, long dataSize) {
    String json = decodeUtf8(file, header);
    Map<String, String> metadata = new LinkedHashMap<>();
    List<Entry> relative = new Parser(file, json).parse(metadata);
    checkLayout(file, relative, dataSize);
    long dataStart = 8L + header.length;
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (Entry e : relative) {
      entries.put(
          e.name(),
          new Entry(e.name(), e.dtype(), e.shape(), dataStart + e.begin(), dataStart + e.end()));
    }
    return new SafeTensorsHeader(header.length, entries, metadata);
  }

  /** Tensors must tile the data section exactly: no gap, no overlap, nothing after the last. */
  private static void checkLayout(Path file, List<Entry> entries, long dataSize) {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long cursor = 0;
    Entry previous = null;
    for (Entry e : sorted) {
      if (e.begin() < cursor) {
        throw invalid(
            file,
            "tensor "
                + Names.quote(e.name())
                + " (bytes "
                + e.begin()
                + ".."
                + e.end()
                + ") overlaps tensor "
                + Names.quote(previous.name())
                + " (bytes "
                + previous.begin()
                + ".."
                + previous.end()
                + ")");
      }
      if (e.begin() > cursor) {
        throw invalid(
            file,
            "gap of "
                + (e.begin() - cursor)
                + " unused bytes at data offset "
                + cursor
                + ", before tensor "
                + Names.quote(e.name()));
      }
      cursor = e.end();
      previous = e;
    }
    if (cursor < dataSize) {
      throw invalid(
          file,
          (dataSize - cursor)
              + " trailing bytes after the last tensor (the data section is "
              + dataSize
              + " bytes, the tensors cover "
              + cursor
              + ")");
    }
    if (cursor > dataSize) {
      throw invalid(
          file,
          "the tensors need "
              + cursor
              + " bytes of data but the file holds "
              + dataSize
              + " after the header: truncated?");
    }
  }

  /** Walks the JSON once, entry by entry, keeping only what the format defines. */
  private static final class Parser {
    private final Path file;
    private final String json;
    private JsonParser p;

    Parser(Path file, String json) {
      this.file = file;
      this.json = json;
    }

    /**
     * Returns the tensor entries with offsets relative to the data section; fills {@code metadata}.
     */
    List<Entry> parse(Map<String, String> metadata) {
      try (JsonParser parser = JSON.createParser(json)) {
        p = parser;
        return parseRoot(metadata);
      } catch (JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where =
            at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        throw invalid(file, "header is not valid JSON: " + e.getOriginalMessage() + where);
      } catch (IOException e) {
        throw invalid(file, "header cannot be parsed: " + e.getMessage());
      }
    }

    private List<Entry> parseRoot(Map<String, String> metadata) throws IOException {
      JsonToken t = p.nextToken();
      if (t == null) throw invalid(file, "header is empty; expected a JSON object");
      if (t != JsonToken.START_OBJECT)
        throw invalid(file, "header is " + kind(t) + ", expected a JSON object");
      List<Fields> entries = new ArrayList<>();
      Set<String> names = new HashSet<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        if (!Names.wellFormed(name))
          throw invalid(
              file, "name " + Names.quote(name) + " holds an unpaired UTF-16 surrogate escape");
        if (!names.add(name)) throw invalid(file, "duplicate name " + Names.quote(name));
        p.nextToken();
        if (name.equals("__metadata__")) readMetadata(metadata);
        else entries.add(readEntry(name));
      }
      if (p.nextToken() != null) {
        throw invalid(
            file,
            "unexpected content after the header's JSON object (only spaces, tabs and newlines may"
                + " pad it)");
      }
      // entries are checked once the whole header has parsed, so that a duplicate name is
      // reported as such rather than as a problem of one of its two entries
      List<Entry> out = new ArrayList<>(entries.size());
      for (Fields f : entries) out.add(check(f));
      return out;
    }

    /** An entry's fields as read, before their values are checked. */
    private record Fields(String name, String dtype, long[] shape, long[] offsets) {}

    private void readMetadata(Map<String, String> metadata) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_NULL) return; // the reference treats null as absent
      if (p.currentToken() != JsonToken.START_OBJECT) {
        throw invalid(
            file, "__metadata__ must be an object of strings, got " + kind(p.currentToken()));
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        if (metadata.containsKey(key))
          throw invalid(file, "duplicate __metadata__ key " + Names.quote(key));
        JsonToken v = p.nextToken();
        if (v != JsonToken.VALUE_STRING) {
          throw invalid(
              file,
              "__metadata__ value of " + Names.quote(key) + " must be a string, got " + kind(v));
        }
        String value = p.getText();
        if (!Names.wellFormed(key) || !Names.wellFormed(value)) {
          throw invalid(
              file,
              "__metadata__ entry "
                  + Names.quote(key)
                  + " holds an unpaired UTF-16 surrogate escape");
        }
        metadata.put(key, value);
      }
    }

    private Fields readEntry(String name) throws IOException {
      String tensor = "tensor " + Names.quote(name);
      if (p.currentToken() != JsonToken.START_OBJECT) {
        throw invalid(
            file,
            tensor
                + " must be an object with dtype, shape and data_offsets, got "
                + kind(p.currentToken()));
      }
      String dtypeName = null;
      long[] shape = null;
      long[] offsets = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        switch (field) {
          case "dtype" -> {
            if (dtypeName != null) throw invalid(file, tensor + " has 'dtype' twice");
            if (v != JsonToken.VALUE_STRING)
              throw invalid(file, tensor + ": 'dtype' must be a string, got " + kind(v));
            dtypeName = p.getText();
          }
          case "shape" -> {
            if (shape != null) throw invalid(file, tensor + " has 'shape' twice");
            shape = readNaturals(tensor, "shape", MAX_RANK);
          }
          case "data_offsets" -> {
            if (offsets != null) throw invalid(file, tensor + " has 'data_offsets' twice");
            offsets = readNaturals(tensor, "data_offsets", 2);
            if (offsets.length != 2)
              throw invalid(
                  file,
                  tensor
                      + ": 'data_offsets' must be [begin, end], got "
                      + offsets.length
                      + " numbers");
          }
          default -> p.skipChildren(); // unknown fields are ignored, as by the reference
        }
      }
      if (dtypeName == null) throw invalid(file, tensor + " has no 'dtype'");
      if (shape == null) throw invalid(file, tensor + " has no 'shape'");
      if (offsets == null) throw invalid(file, tensor + " has no 'data_offsets'");
      return new Fields(name, dtypeName, shape, offsets);
    }

    /** The entry of {@code f} once its dtype, its size and its offsets agree. */
    private Entry check(Fields f) {
      String name = f.name();
      String tensor = "tensor " + Names.quote(name);
      long[] shape = f.shape();
      long[] offsets = f.offsets();
      String dtypeName = f.dtype();
      DType dtype;
      try {
        dtype = DType.parse(dtypeName);
      } catch (IllegalArgumentException e) {
        throw invalid(file, tensor + ": " + e.getMessage());
      }
      long begin = offsets[0];
      long end = offsets[1];
      if (end < begin)
        throw invalid(
            file, tensor + " ends (data offset " + end + ") before it begins (" + begin + ")");
      long expected = byteSize(tensor, dtype, shape);
      if (end - begin != expected) {
        throw invalid(
            file,
            tensor
                + " spans "
                + (end - begin)
                + " bytes but "
                + dtype.safetensorsName()
                + " x "
                + Arrays.toString(shape)
                + " needs "
                + expected);
      }
      return new Entry(name, dtype, shape, begin, end);
    }

    /**
     * Bytes of {@code shape} in {@code dtype}, as the reference computes them (product from 1,
     * overflow checked), plus the check libtorch makes on strides: a zero dimension makes the size
     * 0 but the other dimensions must still be addressable.
     */
    private long byteSize(String tensor, DType dtype, long[] shape) {
      try {
        long elements = 1;
        for (long d : shape) elements = Math.multiplyExact(elements, d);
        long stride = 1;
        for (int i = shape.length - 1; i > 0; i--)
          stride = Math.multiplyExact(stride, Math.max(shape[i], 1));
        return Math.multiplyExact(elements, (long) dtype.byteSize());
      } catch (ArithmeticException e) {
        throw invalid(
            file,
            tensor
                + ": the size of "
                + dtype.safetensorsName()
                + " x "
                + Arrays.toString(shape)
                + " overflows 64 bits");
      }
    }

    /** A JSON array of at most {@code limit} integers >= 0 that fit in 63 bits. */
    private long[] readNaturals(String tensor, String field, int limit) throws IOException {
      if (p.currentToken() != JsonToken.START_ARRAY) {
        throw invalid(
            file,
            tensor
                + ": '"
                + field
                + "' must be an array of integers, got "
                + kind(p.currentToken()));
      }
      long[] out = new long[Math.min(limit, 8)];
      int n = 0;
      for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
        if (n == limit)
          throw invalid(file, tensor + ": '" + field + "' has more than " + limit + " entries");
        if (t != JsonToken.VALUE_NUMBER_INT) {
          throw invalid(file, tensor + ": '" + field + "' must hold integers >= 0, got " + kind(t));
        }
        if (p.getText().startsWith("-")) {
          throw invalid(
              file, tensor + ": '" + field + "' must hold integers >= 0, got " + p.getText());
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          throw invalid(
              file,
              tensor
                  + ": '"
                  + field
                  + "' value "
                  + shorten(p.getText())
                  + " is larger than 2^63-1");
        }
        if (n == out.length) out = Arrays.copyOf(out, Math.min(limit, out.length * 2));
        out[n++] = p.getLongValue();
      }
      return Arrays.copyOf(out, n);
    }

    private String kind(JsonToken t) {
      if (t == null) return "the end of the header";
      return switch (t) {
        case START_OBJECT -> "an object";
        case START_ARRAY -> "an array";
        case VALUE_STRING -> "a string";
        case VALUE_NUMBER_INT -> "the integer " + shorten(text());
        case VALUE_NUMBER_FLOAT -> "the number " + shorten(text());
        case VALUE_TRUE, VALUE_FALSE -> "a boolean";
        case VALUE_NULL -> "null";
        default -> t.toString();
      };
    }

    private String text() {
      try {
        return p.getText();
      } catch (IOException e) {
        return "?";
      }
    }
  }

  private static String shorten(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  private static String decodeUtf8(Path file, byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw invalid(file, "header is not valid UTF-8");
    }
  }

  private static ByteBuffer readFully(Path file, FileChannel channel, long position, int length) {
    ByteBuffer buf = ByteBuffer.allocate(length);
    try {
      while (buf.hasRemaining()) {
        if (channel.read(buf, position + buf.position()) < 0)
          throw invalid(file, "unexpected end of file");
      }
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
    return buf.flip();
  }

  static CheckpointException invalid(Path file, String problem) {
    return new CheckpointException(file, "not a valid safetensors file: " + problem);
  }
}
