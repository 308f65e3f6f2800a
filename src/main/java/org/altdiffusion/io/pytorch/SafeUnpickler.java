package org.altdiffusion.io.pytorch;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.pytorch.Py.Bytes;
import org.altdiffusion.io.pytorch.Py.Dict;
import org.altdiffusion.io.pytorch.Py.Global;
import org.altdiffusion.io.pytorch.Py.PickleException;
import org.altdiffusion.io.pytorch.Py.Tuple;

/**
 * A pickle interpreter that never executes anything from the file. It implements the opcodes of
 * protocols 2 to 5 that build data (what torch.save writes); GLOBAL and STACK_GLOBAL must name an
 * entry of the allow-list given to it, and REDUCE/NEWOBJ only apply the Java implementations in
 * that list (no reflection, no class loading driven by file content). Any other global is refused
 * with an error that names it. Limits on stack, memo, nesting and value count keep corrupt or
 * hostile input from exhausting memory; every step consumes input, so interpretation is linear in
 * the pickle size and cannot hang.
 */
public final class SafeUnpickler {

  /**
   * Resource limits; {@link #DEFAULT} is generous for real checkpoints (a 3 GB UNet needs ~10k
   * values).
   */
  public record Limits(
      int maxStack, int maxMemo, int maxMarks, long maxValues, int maxLongBytes, int maxKeyDepth) {
    public static final Limits DEFAULT = new Limits(1 << 20, 1 << 22, 1 << 16, 1L << 23, 1024, 16);
  }

  /** Resolves the argument of BINPERSID (torch: a storage description) to a value. */
  @FunctionalInterface
  public interface PersistentLoader {
    Object load(Object pid);
  }

  private static final Object MARK = new Object();

  private final Path file;
  private final String what;
  private final Map<String, Global> allowed;
  private final PersistentLoader persistentLoader;
  private final Limits limits;

  private byte[] data;
  private int pos;
  private final List<Object> stack = new ArrayList<>();
  private int[] marks = new int[16];
  private int markCount;
  private final Map<Integer, Object> memo = new HashMap<>();
  private long values;

  /**
   * @param file the checkpoint (named in errors)
   * @param what the pickle's name inside it (e.g. "data.pkl"), named in errors
   * @param allowed the allow-list: qualified name ("collections.OrderedDict") to global
   * @param persistentLoader handles BINPERSID; null refuses persistent ids
   */
  public SafeUnpickler(
      Path file,
      String what,
      Map<String, Global> allowed,
      PersistentLoader persistentLoader,
      Limits limits) {
    this.file = file;
    this.what = what;
    this.allowed = Map.copyOf(allowed);
    this.persistentLoader = persistentLoader;
    this.limits = limits;
  }

  /**
   * Interprets {@code pickle} up to its STOP opcode and returns the value it built. One use per
   * instance.
   */
  public Object load(byte[] pickle) {
    if (data != null) throw new IllegalStateException("a SafeUnpickler reads one pickle");
    data = pickle;
    int opcodeAt = 0;
    int opcode = -1;
    try {
      while (true) {
        opcodeAt = pos;
        if (pos >= data.length)
          throw new PickleException("pickle ends without a STOP opcode: truncated");
        opcode = data[pos++] & 0xFF;
        if (opcode == '.') return pop();
        step(opcode);
      }
    } catch (PickleException e) {
      throw new CheckpointException(
          file,
          Py.printable(what + ": " + e.getMessage(), 2000) + " (" + where(opcodeAt, opcode) + ")");
    } catch (CheckpointException e) {
      throw e;
    } catch (StackOverflowError | OutOfMemoryError e) {
      // Guarded by the limits; if one still happens, report it as bad input rather than crash the
      // caller.
      throw new CheckpointException(
          file, what + ": pickle too deeply nested or too large (" + where(opcodeAt, opcode) + ")");
    }
  }

  private String where(int at, int opcode) {
    if (opcode < 0) return "at byte " + at;
    String name = opcodeName(opcode);
    String printable = opcode >= 0x20 && opcode < 0x7F ? " '" + (char) opcode + "'" : "";
    return "opcode 0x"
        + String.format("%02x", opcode)
        + printable
        + (name == null ? "" : " " + name)
        + " at byte "
        + at;
  }

  private void step(int op) {
    switch (op) {
      case 0x80 -> { // PROTO
        int v = u8();
        if (v > 5)
          throw new PickleException("unsupported pickle protocol " + v + " (supported: 0 to 5)");
      }
      case 0x95 -> { // FRAME: a length hint for buffered readers; we hold the whole pickle
        long n = readLong8();
        if (n < 0 || n > data.length - pos)
          throw new PickleException("FRAME of " + n + " bytes runs past the end of the pickle");
      }
      case '(' -> pushMark();
      case '0' -> { // POP: the top value, or the mark if the current frame is empty (as CPython)
        if (stack.size() > markBase()) stack.remove(stack.size() - 1);
        else popMark();
      }
      case '1' -> popToMark(); // POP_MARK
      case '2' -> push(peek()); // DUP
      case 'N' -> push(null);
      case 0x88 -> push(Boolean.TRUE);
      case 0x89 -> push(Boolean.FALSE);
      case 'K' -> pushNew((long) u8()); // BININT1
      case 'M' -> pushNew((long) u16()); // BININT2
      case 'J' -> pushNew((long) s32()); // BININT
      case 0x8a -> pushNew(readLong(u8())); // LONG1
      case 0x8b -> pushNew(readLong(s32())); // LONG4
      case 'G' ->
          pushNew(
              Double.longBitsToDouble(ByteBuffer.wrap(take(8)).getLong())); // BINFLOAT, big-endian
      case 'X' -> pushNew(utf8(take(u32()))); // BINUNICODE
      case 0x8c -> pushNew(utf8(take(u8()))); // SHORT_BINUNICODE
      case 0x8d -> pushNew(utf8(take(readLong8()))); // BINUNICODE8
      case 'T' ->
          pushNew(utf8(take(s32()))); // BINSTRING (Python 2 str; torch.load decodes as UTF-8)
      case 'U' -> pushNew(utf8(take(u8()))); // SHORT_BINSTRING
      case 'B' -> pushNew(new Bytes(take(u32()))); // BINBYTES
      case 'C' -> pushNew(new Bytes(take(u8()))); // SHORT_BINBYTES
      case 0x8e, 0x96 -> pushNew(new Bytes(take(readLong8()))); // BINBYTES8, BYTEARRAY8
      case 0x98 -> peek(); // READONLY_BUFFER: no-op on the top value
      case ')' -> pushNew(new Tuple(List.of()));
      case 0x85 -> pushNew(new Tuple(popN(1)));
      case 0x86 -> pushNew(new Tuple(popN(2)));
      case 0x87 -> pushNew(new Tuple(popN(3)));
      case 't' -> pushNew(new Tuple(popToMark()));
      case ']' -> pushNew(new ArrayList<>());
      case 'l' -> pushNew(new ArrayList<>(popToMark())); // LIST
      case '}' -> pushNew(new Dict("dict"));
      case 'd' -> { // DICT
        Dict d = new Dict("dict");
        putAll(d, popToMark());
        pushNew(d);
      }
      case 0x8f -> pushNew(new Py.Set("set", new ArrayList<>()));
      case 0x91 -> pushNew(new Py.Set("frozenset", checkedElements(popToMark()))); // FROZENSET
      case 'a' -> { // APPEND
        Object v = pop();
        list(peek(), "APPEND").add(v);
      }
      case 'e' -> { // APPENDS
        List<Object> items = popToMark();
        list(peek(), "APPENDS").addAll(items);
      }
      case 0x90 -> { // ADDITEMS
        List<Object> items = popToMark();
        Object top = peek();
        if (!(top instanceof Py.Set s) || !s.type().equals("set")) {
          throw new PickleException("ADDITEMS on " + Py.aTypeName(top) + ", not a set");
        }
        s.items().addAll(checkedElements(items));
      }
      case 's' -> { // SETITEM
        Object v = pop();
        Object k = pop();
        putAll(dict(peek(), "SETITEM"), pair(k, v));
      }
      case 'u' -> { // SETITEMS
        List<Object> items = popToMark();
        putAll(dict(peek(), "SETITEMS"), items);
      }
      case 'q' -> memoPut(u8()); // BINPUT
      case 'r' -> memoPut(u32()); // LONG_BINPUT
      case 0x94 -> memoPut(memo.size()); // MEMOIZE
      case 'h' -> memoGet(u8()); // BINGET
      case 'j' -> memoGet(u32()); // LONG_BINGET
      case 'c' -> { // GLOBAL: "module\nname\n"
        String module = line();
        String name = line();
        push(resolve(module, name));
      }
      case 0x93 -> { // STACK_GLOBAL
        Object name = pop();
        Object module = pop();
        if (!(module instanceof String m) || !(name instanceof String n)) {
          throw new PickleException(
              "STACK_GLOBAL needs two str, got "
                  + Py.typeName(module)
                  + " and "
                  + Py.typeName(name));
        }
        push(resolve(m, n));
      }
      case 'R' -> { // REDUCE: callable(*args)
        Object args = pop();
        Object callable = pop();
        pushNew(call(callable, args, "REDUCE"));
      }
      case 0x81 -> { // NEWOBJ: cls.__new__(cls, *args); for our allow-listed classes the same as
        // calling them
        Object args = pop();
        Object cls = pop();
        pushNew(call(cls, args, "NEWOBJ"));
      }
      case 0x92 -> { // NEWOBJ_EX: cls, args, kwargs
        Object kwargs = pop();
        Object args = pop();
        Object cls = pop();
        if (!(kwargs instanceof Dict kw) || !kw.items.isEmpty()) {
          throw new PickleException("NEWOBJ_EX with keyword arguments is not supported");
        }
        pushNew(call(cls, args, "NEWOBJ_EX"));
      }
      case 'b' -> { // BUILD: obj.__setstate__(state)
        Object state = pop();
        Object obj = peek();
        if (!(obj instanceof Dict d)) {
          throw new PickleException(
              "BUILD (setting the state of an object) on "
                  + Py.aTypeName(obj)
                  + " is not supported; only dict/OrderedDict attributes (torch's _metadata) are"
                  + " accepted");
        }
        d.state = state; // e.g. OrderedDict._metadata of a state_dict(): version info, not needed
      }
      case 'Q' -> { // BINPERSID
        Object pid = pop();
        if (persistentLoader == null)
          throw new PickleException(
              "persistent id " + Py.describe(pid) + " in a pickle that allows none");
        pushNew(persistentLoader.load(pid));
      }
      case 'P' ->
          throw new PickleException(
              "text persistent ids (PERSID) are not used by torch and not supported");
      case 'i', 'o' ->
          throw new PickleException(
              "object instantiation (" + opcodeName(op) + ") is refused: it would call a class");
      case 0x82, 0x83, 0x84 ->
          throw new PickleException(
              "the copyreg extension registry (" + opcodeName(op) + ") is refused");
      case 0x97 -> throw new PickleException("out-of-band buffers (NEXT_BUFFER) are not supported");
      case 'I', 'L', 'F', 'S', 'V', 'g', 'p' ->
          throw new PickleException(
              "text-mode (protocol 0) opcode "
                  + opcodeName(op)
                  + " is not supported; torch.save writes protocol 2 or later");
      default -> throw new PickleException("unknown pickle opcode");
    }
  }

  // ---- values ----

  private Object resolve(String module, String name) {
    String canonical = canonicalModule(module) + "." + name;
    Global g = allowed.get(canonical);
    if (g == null) {
      throw new PickleException(
          "forbidden global '"
              + module
              + "."
              + name
              + "': this reader never runs code from a checkpoint and only accepts tensor rebuild"
              + " functions, storage types, dtypes and plain containers");
    }
    return g;
  }

  /**
   * Python 3 maps Python 2 module names when reading protocol < 3 pickles; so do we, for the
   * allow-list.
   */
  private static String canonicalModule(String module) {
    return switch (module) {
      case "__builtin__" -> "builtins";
      case "copy_reg" -> "copyreg";
      default -> module;
    };
  }

  private Object call(Object callable, Object args, String opcode) {
    if (!(callable instanceof Global g)) {
      throw new PickleException(
          opcode + " applies " + Py.aTypeName(callable) + ", which is not callable");
    }
    if (g.call() == null)
      throw new PickleException(opcode + " of '" + g.qualifiedName() + "' is not supported");
    if (!(args instanceof Tuple t)) {
      throw new PickleException(
          opcode
              + " of '"
              + g.qualifiedName()
              + "' with arguments of type "
              + Py.typeName(args)
              + ", not a tuple");
    }
    try {
      return g.call().apply(t);
    } catch (PickleException e) {
      throw new PickleException(g.qualifiedName() + ": " + e.getMessage());
    }
  }

  private static List<Object> pair(Object k, Object v) {
    List<Object> l = new ArrayList<>(2);
    l.add(k);
    l.add(v);
    return l;
  }

  private void putAll(Dict d, List<Object> keysAndValues) {
    if (keysAndValues.size() % 2 != 0)
      throw new PickleException("odd number of items for a dict: " + keysAndValues.size());
    for (int i = 0; i < keysAndValues.size(); i += 2) {
      Object k = keysAndValues.get(i);
      checkHashable(k, 0, limits.maxKeyDepth());
      // As in Python, re-setting a key keeps its first position and takes the new value.
      d.items.put(k, keysAndValues.get(i + 1));
    }
  }

  private List<Object> checkedElements(List<Object> items) {
    for (Object o : items) checkHashable(o, 0, limits.maxKeyDepth());
    return items;
  }

  /**
   * Dict keys and set elements must be immutable values: Java hashes them, and a mutable or
   * self-containing key (which Python would refuse too) could make hashing loop or overflow.
   */
  static void checkHashable(Object k, int depth, int maxDepth) {
    if (depth > maxDepth) throw new PickleException("dict key nested deeper than " + maxDepth);
    if (k == null
        || k instanceof String
        || k instanceof Long
        || k instanceof BigInteger
        || k instanceof Double
        || k instanceof Boolean
        || k instanceof Bytes
        || k instanceof Global) {
      return;
    }
    if (k instanceof Tuple t) {
      for (Object o : t.items()) checkHashable(o, depth + 1, maxDepth);
      return;
    }
    throw new PickleException("unhashable dict key or set element of type " + Py.typeName(k));
  }

  private static List<Object> list(Object o, String opcode) {
    if (o instanceof List<?>) {
      @SuppressWarnings("unchecked")
      List<Object> l = (List<Object>) o;
      return l;
    }
    throw new PickleException(opcode + " on " + Py.aTypeName(o) + ", not a list");
  }

  private static Dict dict(Object o, String opcode) {
    if (o instanceof Dict d) return d;
    throw new PickleException(opcode + " on " + Py.aTypeName(o) + ", not a dict");
  }

  private Object readLong(int n) {
    if (n < 0) throw new PickleException("negative length " + n + " for a long integer");
    if (n > limits.maxLongBytes())
      throw new PickleException(
          "long integer of " + n + " bytes (limit " + limits.maxLongBytes() + ")");
    if (n == 0) return 0L;
    byte[] le = take(n);
    byte[] be = new byte[n];
    for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
    BigInteger v = new BigInteger(be); // two's complement, as pickle's LONG1/LONG4
    return v.bitLength() < 64 ? (Object) v.longValue() : v;
  }

  private static final ThreadLocal<java.nio.charset.CharsetDecoder> UTF8 =
      ThreadLocal.withInitial(
          () ->
              StandardCharsets.UTF_8
                  .newDecoder()
                  .onMalformedInput(CodingErrorAction.REPORT)
                  .onUnmappableCharacter(CodingErrorAction.REPORT));

  private static String utf8(byte[] bytes) {
    try {
      return UTF8.get().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new PickleException("string is not valid UTF-8");
    }
  }

  private String line() {
    int start = pos;
    int limit = Math.min(data.length, pos + 1024);
    for (int i = pos; i < limit; i++) {
      if (data[i] == '\n') {
        pos = i + 1;
        return utf8(Arrays.copyOfRange(data, start, i));
      }
    }
    throw new PickleException("GLOBAL name not terminated by a newline within 1024 bytes");
  }

  // ---- memo ----

  private void memoPut(long index) {
    if (stack.size() <= markBase()) throw new PickleException("memo store with an empty stack");
    if (index < 0 || index > Integer.MAX_VALUE)
      throw new PickleException("memo index " + index + " out of range");
    if (memo.size() >= limits.maxMemo() && !memo.containsKey((int) index)) {
      throw new PickleException("memo holds more than " + limits.maxMemo() + " values");
    }
    memo.put((int) index, peek());
  }

  private void memoGet(long index) {
    if (index > Integer.MAX_VALUE || !memo.containsKey((int) index)) {
      throw new PickleException("memo index " + index + " was never stored");
    }
    push(memo.get((int) index));
  }

  // ---- stack ----

  private void push(Object v) {
    if (stack.size() >= limits.maxStack())
      throw new PickleException("stack deeper than " + limits.maxStack());
    stack.add(v);
  }

  /** Pushes a newly created value, counting it against the value budget. */
  private void pushNew(Object v) {
    if (++values > limits.maxValues())
      throw new PickleException("more than " + limits.maxValues() + " values");
    push(v);
  }

  private int markBase() {
    return markCount == 0 ? 0 : marks[markCount - 1];
  }

  private Object pop() {
    if (stack.size() <= markBase()) throw new PickleException("stack underflow");
    return stack.remove(stack.size() - 1);
  }

  private Object peek() {
    if (stack.size() <= markBase()) throw new PickleException("stack underflow");
    return stack.get(stack.size() - 1);
  }

  private List<Object> popN(int n) {
    if (stack.size() - markBase() < n) throw new PickleException("stack underflow");
    List<Object> sub = stack.subList(stack.size() - n, stack.size());
    List<Object> out = new ArrayList<>(sub);
    sub.clear();
    return out;
  }

  private void pushMark() {
    if (markCount >= limits.maxMarks())
      throw new PickleException("more than " + limits.maxMarks() + " nested marks");
    if (markCount == marks.length) marks = Arrays.copyOf(marks, marks.length * 2);
    marks[markCount++] = stack.size();
  }

  private int popMark() {
    if (markCount == 0) throw new PickleException("no MARK to pop to");
    return marks[--markCount];
  }

  private List<Object> popToMark() {
    int base = popMark();
    List<Object> sub = stack.subList(base, stack.size());
    List<Object> out = new ArrayList<>(sub);
    sub.clear();
    return out;
  }

  // ---- input ----

  private int u8() {
    need(1);
    return data[pos++] & 0xFF;
  }

  private int u16() {
    need(2);
    int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8;
    pos += 2;
    return v;
  }

  private int s32() {
    need(4);
    int v =
        (data[pos] & 0xFF)
            | (data[pos + 1] & 0xFF) << 8
            | (data[pos + 2] & 0xFF) << 16
            | (data[pos + 3] & 0xFF) << 24;
    pos += 4;
    return v;
  }

  private long u32() {
    return s32() & 0xFFFFFFFFL;
  }

  private long readLong8() {
    long lo = u32();
    long hi = u32();
    return hi << 32 | lo;
  }

  /**
   * The next {@code n} bytes; a length beyond the end of the pickle is an error, not an allocation.
   */
  private byte[] take(long n) {
    if (n < 0 || n > data.length - pos) {
      throw new PickleException(
          "length "
              + Long.toUnsignedString(n)
              + " runs past the end of the pickle ("
              + (data.length - pos)
              + " bytes left)");
    }
    byte[] out = Arrays.copyOfRange(data, pos, pos + (int) n);
    pos += (int) n;
    return out;
  }

  private void need(int n) {
    if (data.length - pos < n)
      throw new PickleException("pickle ends in the middle of an opcode: truncated");
  }

  static String opcodeName(int op) {
    return switch (op) {
      case '(' -> "MARK";
      case '.' -> "STOP";
      case '0' -> "POP";
      case '1' -> "POP_MARK";
      case '2' -> "DUP";
      case 'F' -> "FLOAT";
      case 'I' -> "INT";
      case 'J' -> "BININT";
      case 'K' -> "BININT1";
      case 'L' -> "LONG";
      case 'M' -> "BININT2";
      case 'N' -> "NONE";
      case 'P' -> "PERSID";
      case 'Q' -> "BINPERSID";
      case 'R' -> "REDUCE";
      case 'S' -> "STRING";
      case 'T' -> "BINSTRING";
      case 'U' -> "SHORT_BINSTRING";
      case 'V' -> "UNICODE";
      case 'X' -> "BINUNICODE";
      case 'a' -> "APPEND";
      case 'b' -> "BUILD";
      case 'c' -> "GLOBAL";
      case 'd' -> "DICT";
      case '}' -> "EMPTY_DICT";
      case 'e' -> "APPENDS";
      case 'g' -> "GET";
      case 'h' -> "BINGET";
      case 'i' -> "INST";
      case 'j' -> "LONG_BINGET";
      case 'l' -> "LIST";
      case ']' -> "EMPTY_LIST";
      case 'o' -> "OBJ";
      case 'p' -> "PUT";
      case 'q' -> "BINPUT";
      case 'r' -> "LONG_BINPUT";
      case 's' -> "SETITEM";
      case 't' -> "TUPLE";
      case ')' -> "EMPTY_TUPLE";
      case 'u' -> "SETITEMS";
      case 'G' -> "BINFLOAT";
      case 'B' -> "BINBYTES";
      case 'C' -> "SHORT_BINBYTES";
      case 0x80 -> "PROTO";
      case 0x81 -> "NEWOBJ";
      case 0x82 -> "EXT1";
      case 0x83 -> "EXT2";
      case 0x84 -> "EXT4";
      case 0x85 -> "TUPLE1";
      case 0x86 -> "TUPLE2";
      case 0x87 -> "TUPLE3";
      case 0x88 -> "NEWTRUE";
      case 0x89 -> "NEWFALSE";
      case 0x8a -> "LONG1";
      case 0x8b -> "LONG4";
      case 0x8c -> "SHORT_BINUNICODE";
      case 0x8d -> "BINUNICODE8";
      case 0x8e -> "BINBYTES8";
      case 0x8f -> "EMPTY_SET";
      case 0x90 -> "ADDITEMS";
      case 0x91 -> "FROZENSET";
      case 0x92 -> "NEWOBJ_EX";
      case 0x93 -> "STACK_GLOBAL";
      case 0x94 -> "MEMOIZE";
      case 0x95 -> "FRAME";
      case 0x96 -> "BYTEARRAY8";
      case 0x97 -> "NEXT_BUFFER";
      case 0x98 -> "READONLY_BUFFER";
      default -> null;
    };
  }
}
