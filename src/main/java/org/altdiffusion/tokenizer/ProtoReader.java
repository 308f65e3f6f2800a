package org.altdiffusion.tokenizer;

/**
 * A minimal reader of the protobuf wire format (what a sentencepiece model file is): varints,
 * fixed32/fixed64, length-delimited fields and (deprecated) groups. Every read is bounds-checked;
 * malformed input raises {@link Malformed} with the byte offset, never an index exception or a
 * hang.
 */
final class ProtoReader {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int START_GROUP = 3;
  static final int END_GROUP = 4;
  static final int FIXED32 = 5;

  /** Nesting limit for groups (protobuf's own default recursion limit is 100). */
  private static final int MAX_DEPTH = 100;

  /** The input is not valid protobuf wire format. */
  static final class Malformed extends RuntimeException {
    Malformed(String message) {
      super(message);
    }
  }

  private final byte[] buf;
  private final int limit;
  private int pos;

  ProtoReader(byte[] buf) {
    this(buf, 0, buf.length);
  }

  private ProtoReader(byte[] buf, int start, int limit) {
    this.buf = buf;
    this.pos = start;
    this.limit = limit;
  }

  boolean atEnd() {
    return pos >= limit;
  }

  int position() {
    return pos;
  }

  /** Reads a tag: field number << 3 | wire type. */
  int tag() {
    int at = pos;
    long t = varint();
    long field = t >>> 3;
    if (field < 1 || field > (1 << 29) - 1)
      throw new Malformed("invalid field number " + field + " at byte " + at);
    return (int) t;
  }

  long varint() {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= limit) throw new Malformed("truncated varint at byte " + pos);
      byte b = buf[pos++];
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) return result;
    }
    throw new Malformed("varint longer than 10 bytes ending at byte " + pos);
  }

  int fixed32() {
    need(4, "fixed32");
    int v =
        (buf[pos] & 0xFF)
            | (buf[pos + 1] & 0xFF) << 8
            | (buf[pos + 2] & 0xFF) << 16
            | (buf[pos + 3] & 0xFF) << 24;
    pos += 4;
    return v;
  }

  float float32() {
    return Float.intBitsToFloat(fixed32());
  }

  /** The payload of a length-delimited field, as bytes. */
  byte[] bytes() {
    int n = lengthPrefix();
    byte[] out = new byte[n];
    System.arraycopy(buf, pos, out, 0, n);
    pos += n;
    return out;
  }

  /** The payload of a length-delimited field, as a reader of an embedded message. */
  ProtoReader message() {
    int n = lengthPrefix();
    ProtoReader sub = new ProtoReader(buf, pos, pos + n);
    pos += n;
    return sub;
  }

  /** Skips the value of a field whose tag was just read (unknown fields are legal and ignored). */
  void skip(int tag) {
    skip(tag, 0);
  }

  private void skip(int tag, int depth) {
    switch (tag & 7) {
      case VARINT -> varint();
      case FIXED64 -> {
        need(8, "fixed64");
        pos += 8;
      }
      case LENGTH_DELIMITED -> {
        int n =
            lengthPrefix(); // (not "pos += lengthPrefix()": that would drop the prefix's own bytes)
        pos += n;
      }
      case FIXED32 -> {
        need(4, "fixed32");
        pos += 4;
      }
      case START_GROUP -> {
        if (depth >= MAX_DEPTH) throw new Malformed("groups nested deeper than " + MAX_DEPTH);
        int field = tag >>> 3;
        while (true) {
          if (atEnd()) throw new Malformed("unterminated group (field " + field + ")");
          int inner = tag();
          if ((inner & 7) == END_GROUP) {
            if (inner >>> 3 != field) throw new Malformed("mismatched end of group at byte " + pos);
            return;
          }
          skip(inner, depth + 1);
        }
      }
      default -> throw new Malformed("invalid wire type " + (tag & 7) + " before byte " + pos);
    }
  }

  private int lengthPrefix() {
    int at = pos;
    long n = varint();
    if (n < 0 || n > limit - pos) {
      throw new Malformed(
          "field at byte " + at + " claims " + n + " bytes but only " + (limit - pos) + " remain");
    }
    return (int) n;
  }

  private void need(int n, String what) {
    if (limit - pos < n) throw new Malformed("truncated " + what + " at byte " + pos);
  }
}
