package org.altdiffusion.tiny.tokenizers;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal writer of the protobuf wire format, enough for a sentencepiece {@code ModelProto}:
 * varint, fixed32 (float) and length-delimited fields. Callers write fields in ascending field
 * number, as protobuf's own serializer does, so the bytes match what sentencepiece would write for
 * the same message.
 */
final class ProtoWriter {
  private static final int VARINT = 0;
  private static final int LENGTH_DELIMITED = 2;
  private static final int FIXED32 = 5;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  ProtoWriter varint(int field, long value) {
    tag(field, VARINT);
    rawVarint(value);
    return this;
  }

  /**
   * An int32 field: negative values take ten bytes (sign-extended to 64 bits), as protobuf writes
   * them.
   */
  ProtoWriter int32(int field, int value) {
    return varint(field, value);
  }

  ProtoWriter bool(int field, boolean value) {
    return varint(field, value ? 1 : 0);
  }

  ProtoWriter float32(int field, float value) {
    tag(field, FIXED32);
    int bits = Float.floatToIntBits(value);
    for (int i = 0; i < 4; i++) out.write(bits >>> (8 * i));
    return this;
  }

  ProtoWriter string(int field, String value) {
    return bytes(field, value.getBytes(StandardCharsets.UTF_8));
  }

  ProtoWriter bytes(int field, byte[] value) {
    tag(field, LENGTH_DELIMITED);
    rawVarint(value.length);
    out.writeBytes(value);
    return this;
  }

  ProtoWriter message(int field, ProtoWriter message) {
    return bytes(field, message.toByteArray());
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  private void tag(int field, int wireType) {
    rawVarint((long) field << 3 | wireType);
  }

  private void rawVarint(long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) (v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.write((int) v);
  }
}
