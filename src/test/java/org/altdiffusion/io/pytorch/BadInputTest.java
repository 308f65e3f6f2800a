package org.altdiffusion.io.pytorch;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.pytorch.Fixtures.Pickle;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged and hostile inputs: each must end in a CheckpointException naming the file and the
 * problem.
 */
class BadInputTest {
  @TempDir Path tmp;

  @BeforeAll
  static void init() {
    Torch.init();
  }

  private CheckpointException refused(Path file, String... fragments) {
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () -> {
              try (PointerScope s = new PointerScope();
                  TorchCheckpoint c = TorchCheckpoint.open(file)) {
                for (String k : c.keys()) c.load(k);
              }
            });
    assertTrue(e.getMessage().startsWith(file.toString()), "names the file: " + e.getMessage());
    for (String f : fragments)
      assertTrue(e.getMessage().contains(f), "'" + f + "' in: " + e.getMessage());
    return e;
  }

  private Path withPickle(byte[] pickle, Map<String, byte[]> storages) {
    return Fixtures.torchZip(tmp.resolve("t.bin"), pickle, storages);
  }

  private Path withPickle(Pickle p) {
    return withPickle(p.bytes(), Map.of());
  }

  private static byte[] floats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) b.putFloat(f);
    return b.array();
  }

  /** {'w': tensor over storage '0' of 4 floats, with the given view}. */
  private Path oneTensor(int numel, byte[] storage, int offset, int[] size, int[] stride) {
    Pickle p =
        new Pickle()
            .proto(2)
            .op('}')
            .op('(')
            .str("w")
            .tensor("FloatStorage", "0", numel, offset, size, stride)
            .op('u')
            .op('.');
    return withPickle(p.bytes(), Map.of("0", storage));
  }

  @Test
  void handMadeCheckpointReads() {
    // The control for the cases below: the same construction, valid, reads.
    Path file = oneTensor(4, floats(1, 2, 3, 4), 1, new int[] {2}, new int[] {2});
    try (PointerScope s = new PointerScope();
        TorchCheckpoint c = TorchCheckpoint.open(file)) {
      assertArrayEquals(new float[] {2, 4}, org.altdiffusion.engine.Tensors.toFloats(c.load("w")));
    }
  }

  @Test
  void truncatedFiles() {
    byte[] valid = Fixtures.read(Fixtures.fixture("views.bin"));
    for (int length :
        new int[] {0, 3, 10, 100, valid.length / 2, valid.length - 30, valid.length - 1}) {
      Path f = Fixtures.write(tmp.resolve("cut" + length + ".bin"), Arrays.copyOf(valid, length));
      refused(f);
    }
    refused(Fixtures.write(tmp.resolve("empty.bin"), new byte[0]), "not a PyTorch checkpoint");
  }

  @Test
  void notACheckpoint() {
    refused(
        Fixtures.write(
            tmp.resolve("text.bin"), "hello world, not a zip".getBytes(StandardCharsets.US_ASCII)),
        "expected a zip archive");
    refused(
        Fixtures.write(tmp.resolve("bare.pkl"), new byte[] {(byte) 0x80, 2, '}', '.'}),
        "a bare pickle");
    refused(tmp.resolve("does-not-exist.bin"), "cannot open");
    Map<String, byte[]> other = new LinkedHashMap<>();
    other.put("readme.txt", "hi".getBytes(StandardCharsets.US_ASCII));
    refused(
        Fixtures.writeZip(tmp.resolve("other.zip"), other), "without a '<folder>/data.pkl' entry");
  }

  @Test
  void missingEntries() {
    Map<String, byte[]> e = Fixtures.entries(Fixtures.fixture("views.bin"));
    Map<String, byte[]> noPickle = new LinkedHashMap<>(e);
    noPickle.remove("views/data.pkl");
    refused(Fixtures.writeZip(tmp.resolve("nopkl.bin"), noPickle), "data.pkl");
    Map<String, byte[]> noStorage = new LinkedHashMap<>(e);
    noStorage.remove("views/data/3");
    refused(
        Fixtures.writeZip(tmp.resolve("nostorage.bin"), noStorage),
        "storage '3' is missing",
        "views/data/3");
  }

  @Test
  void storageShorterThanDeclared() {
    Map<String, byte[]> e = Fixtures.entries(Fixtures.fixture("views.bin"));
    e.put("views/data/1", Arrays.copyOf(e.get("views/data/1"), e.get("views/data/1").length - 4));
    refused(Fixtures.writeZip(tmp.resolve("short.bin"), e), "storage '1' declares", "holds");
  }

  @Test
  void viewOutsideItsStorage() {
    refused(
        oneTensor(4, floats(1, 2, 3, 4), 0, new int[] {5}, new int[] {1}),
        "reaches element 4 but its storage holds 4");
    refused(oneTensor(4, floats(1, 2, 3, 4), 3, new int[] {2}, new int[] {1}), "reaches element 4");
    refused(
        oneTensor(4, floats(1, 2, 3, 4), 0, new int[] {2, 2}, new int[] {3, 1}),
        "reaches element 4");
    refused(
        oneTensor(4, floats(1, 2, 3, 4), 0, new int[] {2}, new int[] {1, 1}),
        "size has 1 dimensions but stride has 2");
    refused(
        oneTensor(4, floats(1, 2, 3, 4), -1, new int[] {2}, new int[] {1}), "storage offset is -1");
    refused(
        oneTensor(
            4,
            floats(1, 2, 3, 4),
            0,
            new int[] {0x7fffffff, 0x7fffffff, 0x7fffffff},
            new int[] {0x7fffffff, 0x7fffffff, 0x7fffffff}),
        "overflows");
  }

  @Test
  void expandedViewsTooLargeToAllocate() {
    // stride 0 addresses one stored element however large the shape: legal, but loading allocates
    // the shape
    refused(
        oneTensor(
            4, floats(1, 2, 3, 4), 0, new int[] {1 << 30, 1 << 30, 1 << 30}, new int[] {0, 0, 0}),
        "overflows");
    refused(
        oneTensor(4, floats(1, 2, 3, 4), 0, new int[] {1 << 30, 1 << 20, 1}, new int[] {0, 0, 0}),
        "cannot allocate tensor 'w'");
  }

  @Test
  void emptyViewAnywhereIsFine() {
    Path f = oneTensor(4, floats(1, 2, 3, 4), 4, new int[] {0, 3}, new int[] {3, 1});
    try (PointerScope s = new PointerScope();
        TorchCheckpoint c = TorchCheckpoint.open(f)) {
      assertArrayEquals(new long[] {0, 3}, c.load("w").sizes().vec().get());
    }
  }

  @Test
  void compressedEntries() {
    Map<String, byte[]> e = Fixtures.entries(Fixtures.fixture("views.bin"));
    refused(
        Fixtures.writeZip(tmp.resolve("z1.bin"), e, "views/data.pkl"),
        "'views/data.pkl' is compressed",
        "Re-save it with torch.save");
    refused(
        Fixtures.writeZip(tmp.resolve("z2.bin"), e, "views/data/2"),
        "'views/data/2' is compressed");
  }

  @Test
  void byteOrder() {
    Map<String, byte[]> e = Fixtures.entries(Fixtures.fixture("views.bin"));
    e.put("views/byteorder", "middle".getBytes(StandardCharsets.US_ASCII));
    refused(Fixtures.writeZip(tmp.resolve("bo.bin"), e), "byteorder record says 'middle'");
    e.remove("views/byteorder"); // torch < 1.10 wrote none: little-endian
    try (TorchCheckpoint c = TorchCheckpoint.open(Fixtures.writeZip(tmp.resolve("nobo.bin"), e))) {
      assertFalse(c.bigEndian());
    }
  }

  @Test
  void corruptPickleFailsItsChecksum() {
    byte[] valid = Fixtures.read(Fixtures.fixture("views.bin"));
    byte[] bad = valid.clone();
    bad[0x45] ^= 1; // inside data.pkl (it starts at 0x40 in this file)
    refused(Fixtures.write(tmp.resolve("crc.bin"), bad), "CRC-32");
  }

  @Test
  void badOpcodes() {
    refused(
        withPickle(new Pickle().proto(2).raw(0xff).op('.')),
        "unknown pickle opcode",
        "opcode 0xff at byte 2");
    refused(withPickle(new Pickle().proto(2).raw(0xb0)), "opcode 0xb0 at byte 2");
    refused(
        withPickle(new Pickle().proto(2).op('R').op('.')), "stack underflow", "REDUCE at byte 2");
    refused(withPickle(new Pickle().proto(2).op('}')), "ends without a STOP");
    refused(withPickle(new Pickle().proto(2).op('0').op('.')), "no MARK to pop to");
    refused(
        withPickle(new Pickle().proto(2).op('(').op('t').op('(').op('u').op('.')),
        "SETITEMS on a tuple, not a dict");
    refused(withPickle(new Pickle().proto(2).op('(').op('u').op('.')), "stack underflow");
    refused(withPickle(new Pickle().proto(2).raw('h', 5).op('.')), "memo index 5 was never stored");
    refused(
        withPickle(new Pickle().proto(2).raw('X', 0xff, 0xff, 0xff, 0x7f).op('.')),
        "runs past the end of the pickle");
    refused(withPickle(new Pickle().proto(6).op('}').op('.')), "unsupported pickle protocol 6");
    refused(
        withPickle(new Pickle().proto(2).raw('I').raw("12\n".getBytes()[0]).op('.')),
        "text-mode (protocol 0) opcode INT");
    refused(withPickle(new Pickle().proto(2).raw(0x82, 1).op('.')), "extension registry");
    refused(
        withPickle(new Pickle().proto(2).op('}').op(']').integer(1).op('s').op('.')),
        "unhashable dict key",
        "list");
    refused(
        withPickle(new Pickle().proto(2).op(']').integer(1).op('s').op('.')), "stack underflow");
    refused(
        withPickle(new Pickle().proto(2).op('}').str("k").integer(1).op('a').op('.')),
        "APPEND on a str, not a list");
    refused(
        withPickle(new Pickle().proto(2).op(']').op('}').op('b').op('.')), "BUILD", "on a list");
    refused(withPickle(new Pickle().proto(2).op('(').op('Q').op('.')), "stack underflow");
  }

  @Test
  void fileTextInErrorsCannotRewriteTheTerminal() {
    CheckpointException e =
        refused(
            withPickle(new Fixtures.Pickle().proto(2).global("os\u001b[2K\r", "system").op('.')),
            "forbidden global 'os\\u001b[2K\\u000d.system'");
    assertFalse(e.getMessage().contains("\u001b"), e.getMessage());
  }

  @Test
  void allowListedCallablesCheckTheirArguments() {
    refused(
        withPickle(new Pickle().proto(2).global("torch", "FloatStorage").op(')').op('R').op('.')),
        "REDUCE of 'torch.FloatStorage' is not supported");
    refused(
        withPickle(
            new Pickle()
                .proto(2)
                .global("torch._utils", "_rebuild_tensor_v2")
                .op('(')
                .str("x")
                .integer(0)
                .op(')')
                .op(')')
                .raw(0x89)
                .op('}')
                .op('t')
                .op('R')
                .op('.')),
        "_rebuild_tensor_v2: first argument is a str, not a storage");
    refused(
        withPickle(
            new Pickle()
                .proto(2)
                .global("collections", "OrderedDict")
                .str("x")
                .raw(0x85)
                .op('R')
                .op('.')),
        "only OrderedDict() with no arguments");
    refused(
        withPickle(
            new Pickle().proto(2).global("collections", "OrderedDict").integer(3).op('R').op('.')),
        "with arguments of type int, not a tuple");
    refused(withPickle(new Pickle().proto(2).str("os").op('R').op('.')), "stack underflow");
    refused(
        withPickle(new Pickle().proto(2).integer(1).op(')').op('R').op('.')),
        "REDUCE applies an int, which is not callable");
    refused(
        withPickle(
            new Pickle()
                .proto(2)
                .global("_codecs", "encode")
                .str("x")
                .str("rot13")
                .raw(0x86)
                .op('R')
                .op('.')),
        "encoding 'rot13' is not supported");
    // a tensor subclass smuggled through _rebuild_from_type_v2
    refused(
        withPickle(
            new Pickle()
                .proto(2)
                .global("torch._tensor", "_rebuild_from_type_v2")
                .op('(')
                .global("torch._utils", "_rebuild_tensor_v2")
                .global("torch", "FloatStorage")
                .op(')')
                .op('}')
                .op('t')
                .op('R')
                .op('.')),
        "tensor subclass torch.FloatStorage is not supported");
  }

  @Test
  void malformedPersistentIds() {
    refused(
        withPickle(new Pickle().proto(2).str("storage").op('Q').op('.')),
        "persistent id 'storage' is not ('storage'");
    Pickle intKey =
        new Pickle()
            .proto(2)
            .op('(')
            .str("storage")
            .global("torch", "FloatStorage")
            .integer(0)
            .str("cpu")
            .integer(1)
            .op('t')
            .op('Q')
            .op('.');
    refused(withPickle(intKey), "storage key 0 is not a str");
    Pickle notStorage =
        new Pickle()
            .proto(2)
            .op('(')
            .str("storage")
            .global("collections", "OrderedDict")
            .str("0")
            .str("cpu")
            .integer(1)
            .op('t')
            .op('Q')
            .op('.');
    refused(withPickle(notStorage), "is not a storage class");
    Pickle twice =
        new Pickle()
            .proto(2)
            .op('(')
            .storage("FloatStorage", "0", 4)
            .storage("HalfStorage", "0", 8)
            .op('t')
            .op('.');
    refused(
        withPickle(twice.bytes(), Map.of("0", floats(1, 2, 3, 4))), "storage '0' is named twice");
  }

  @Test
  void lazyNegationBitIsRefused() {
    Pickle p =
        new Pickle()
            .proto(2)
            .op('}')
            .op('(')
            .str("w")
            .global("torch._utils", "_rebuild_tensor_v2")
            .op('(')
            .storage("FloatStorage", "0", 2)
            .integer(0)
            .op('(')
            .integer(2)
            .op('t')
            .op('(')
            .integer(1)
            .op('t')
            .raw(0x89)
            .global("collections", "OrderedDict")
            .op(')')
            .op('R')
            .op('}')
            .str("neg")
            .raw(0x88)
            .op('s')
            .op('t')
            .op('R')
            .op('u')
            .op('.');
    refused(withPickle(p.bytes(), Map.of("0", floats(1, 2))), "lazy conjugate/negative view");
  }

  @Test
  void tensorUnderANonStringKey() {
    Pickle p =
        new Pickle()
            .proto(2)
            .op('}')
            .op('(')
            .integer(7)
            .tensor("FloatStorage", "0", 1, 0, new int[] {1}, new int[] {1})
            .op('u')
            .op('.');
    refused(withPickle(p.bytes(), Map.of("0", floats(1))), "a tensor is stored under an int key 7");
  }

  @Test
  void limits() {
    Pickle deep = new Pickle().proto(2);
    for (int i = 0; i < 70_000; i++) deep.op('(');
    refused(withPickle(deep), "nested marks");
    Pickle wide = new Pickle().proto(2);
    for (int i = 0; i < (1 << 20) + 1; i++) wide.raw('N');
    refused(withPickle(wide), "stack deeper than");
    Pickle longInt = new Pickle().proto(2).raw(0x8b, 0, 0x10, 0, 0);
    refused(withPickle(longInt), "long integer of 4096 bytes");
    Pickle deepKey = new Pickle().proto(2).op('}').integer(1);
    for (int i = 0; i < 20; i++) deepKey.raw(0x85);
    deepKey.integer(1).op('s').op('.');
    refused(withPickle(deepKey), "dict key nested deeper than 16");
  }

  @Test
  void brokenZip64Records() {
    byte[] valid = Fixtures.read(Fixtures.fixture("zip64.bin"));
    ByteBuffer b = ByteBuffer.wrap(valid.clone()).order(ByteOrder.LITTLE_ENDIAN);
    int locator = valid.length - 22 - 20;
    assertEquals(0x07064b50, b.getInt(locator));
    b.putLong(locator + 8, valid.length + 100L);
    refused(
        Fixtures.write(tmp.resolve("z64a.bin"), b.array()),
        "zip64 end-of-central-directory record offset");
    b = ByteBuffer.wrap(valid.clone()).order(ByteOrder.LITTLE_ENDIAN);
    int record = (int) b.getLong(locator + 8);
    b.putLong(record + 48, 1L << 40); // central directory offset far past the end
    refused(Fixtures.write(tmp.resolve("z64b.bin"), b.array()), "inconsistent with the file size");
    b = ByteBuffer.wrap(valid.clone()).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(locator, 0); // locator gone: the saturated classic fields cannot be resolved
    refused(
        Fixtures.write(tmp.resolve("z64c.bin"), b.array()),
        "without a zip64 end-of-central-directory locator");
  }

  @Test
  void duplicateAndInconsistentZipEntries() {
    // Two central entries with the same name: different zip readers could disagree on which one
    // counts.
    byte[] valid = Fixtures.read(Fixtures.fixture("evil_os_system.bin"));
    byte[] dup = renameCentral(valid, "evil_os_system/byteorder", "evil_os_system/version__");
    refused(Fixtures.write(tmp.resolve("inconsistent.bin"), dup), "local header name");
  }

  /**
   * Renames an entry in the central directory only (same length), leaving its local header alone.
   */
  private static byte[] renameCentral(byte[] zip, String from, String to) {
    byte[] out = zip.clone();
    byte[] f = from.getBytes(StandardCharsets.US_ASCII);
    int last = -1;
    outer:
    for (int i = 0; i + f.length <= out.length; i++) {
      for (int j = 0; j < f.length; j++) if (out[i + j] != f[j]) continue outer;
      last = i;
    }
    assertTrue(last > 0);
    byte[] t = to.getBytes(StandardCharsets.US_ASCII);
    assertEquals(f.length, t.length);
    System.arraycopy(t, 0, out, last, t.length);
    return out;
  }
}
