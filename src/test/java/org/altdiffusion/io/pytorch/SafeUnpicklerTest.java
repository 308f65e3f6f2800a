package org.altdiffusion.io.pytorch;

import static org.junit.jupiter.api.Assertions.*;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.pytorch.Py.Bytes;
import org.altdiffusion.io.pytorch.Py.Dict;
import org.altdiffusion.io.pytorch.Py.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The interpreter on pickles written by CPython's own pickler (protocols 2 to 5). */
class SafeUnpicklerTest {

  private static Object load(byte[] pickle) {
    return new SafeUnpickler(
            Path.of("test.pkl"),
            "test.pkl",
            TorchGlobals.allowList(),
            null,
            SafeUnpickler.Limits.DEFAULT)
        .load(pickle);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 4, 5})
  void readsEveryValueKind(int protocol) {
    Dict d = (Dict) load(Fixtures.read(Fixtures.fixture("values_p" + protocol + ".pkl")));
    assertEquals("dict", d.type());
    List<Object> ints = new ArrayList<>();
    for (long v :
        new long[] {
          0,
          1,
          -1,
          255,
          256,
          65535,
          65536,
          -(1L << 31),
          (1L << 31) - 1,
          1L << 31,
          Long.MAX_VALUE,
          Long.MIN_VALUE
        }) ints.add(v);
    ints.add(BigInteger.TWO.pow(70));
    ints.add(BigInteger.TWO.pow(70).negate());
    assertEquals(ints, d.get("ints"));
    List<?> floats = (List<?>) d.get("floats");
    assertEquals(List.of(0.0, -0.0, 1.5, Double.POSITIVE_INFINITY, -1e-300), floats);
    assertEquals(
        Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) floats.get(1)));
    assertEquals(List.of("", "a", "\u00e9\u4e2d\uD83D\uDE00", "x".repeat(300)), d.get("strs"));
    assertEquals(new Bytes(new byte[] {0, -1, 0, -1, 0, -1}), d.get("bytes"));
    assertTrue(d.items().containsKey("none"));
    assertNull(d.get("none"));
    assertEquals(new Tuple(List.of(true, false)), d.get("bools"));
    Tuple tuples = (Tuple) d.get("tuples");
    assertEquals(5, tuples.size());
    assertEquals(new Tuple(List.of()), tuples.get(0));
    assertEquals(new Tuple(List.of(1L, 2L, 3L, 4L)), tuples.get(4));
    assertEquals(new Py.Set("set", List.of(7L)), d.get("set"));
    assertEquals(new Py.Set("frozenset", List.of(8L)), d.get("frozenset"));
    Dict nested = (Dict) d.get("nested");
    Dict deep = (Dict) ((List<?>) nested.get("k")).get(0);
    assertEquals(new Tuple(List.of(1L, List.of(2L))), deep.get("deep"));
    List<?> shared = (List<?>) d.get("shared");
    assertSame(shared.get(0), shared.get(1), "memo references keep identity");
    assertEquals("tuple key", d.get(new Tuple(List.of(1L, "t"))));
    assertEquals("int key", d.get(5L));
    assertEquals(13, d.items().size());
  }

  @Test
  void emptyAllowListRefusesEvenOrderedDict() {
    byte[] p =
        new Fixtures.Pickle()
            .proto(2)
            .global("collections", "OrderedDict")
            .op(')')
            .op('R')
            .op('.')
            .bytes();
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () ->
                new SafeUnpickler(
                        Path.of("x.pkl"), "x.pkl", Map.of(), null, SafeUnpickler.Limits.DEFAULT)
                    .load(p));
    assertTrue(
        e.getMessage().contains("forbidden global 'collections.OrderedDict'"), e.getMessage());
  }

  @Test
  void customLimits() {
    SafeUnpickler.Limits tight = new SafeUnpickler.Limits(1 << 10, 4, 8, 100, 8, 4);
    Fixtures.Pickle memo = new Fixtures.Pickle().proto(2).op('N');
    for (int i = 0; i < 5; i++) memo.raw('q', i);
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () ->
                new SafeUnpickler(Path.of("x.pkl"), "x.pkl", Map.of(), null, tight)
                    .load(memo.op('.').bytes()));
    assertTrue(e.getMessage().contains("memo holds more than 4 values"), e.getMessage());
    Fixtures.Pickle many = new Fixtures.Pickle().proto(2);
    for (int i = 0; i < 101; i++) many.raw('K', 1).raw('0');
    e =
        assertThrows(
            CheckpointException.class,
            () ->
                new SafeUnpickler(Path.of("x.pkl"), "x.pkl", Map.of(), null, tight)
                    .load(many.op('N').op('.').bytes()));
    assertTrue(e.getMessage().contains("more than 100 values"), e.getMessage());
  }

  @Test
  void persistentIdsNeedALoader() {
    byte[] p = new Fixtures.Pickle().proto(2).str("x").op('Q').op('.').bytes();
    CheckpointException e = assertThrows(CheckpointException.class, () -> load(p));
    assertTrue(
        e.getMessage().contains("persistent id 'x' in a pickle that allows none"), e.getMessage());
  }

  @Test
  void popAndMarkSemanticsFollowCPython() {
    // ( 1 2 POP_MARK 3 ( POP -> empty frame pops the mark -> 3 remains, STOP returns it
    byte[] p =
        new Fixtures.Pickle()
            .proto(2)
            .op('(')
            .raw('K', 1)
            .raw('K', 2)
            .op('1')
            .raw('K', 3)
            .op('(')
            .op('0')
            .op('.')
            .bytes();
    assertEquals(3L, load(p));
    byte[] dup =
        new Fixtures.Pickle()
            .proto(2)
            .op(']')
            .op('2')
            .op('a')
            .op('.')
            .bytes(); // l = []; l.append(l)
    List<?> l = (List<?>) load(dup);
    assertSame(l, l.get(0));
    assertEquals("<list>", Py.describe(l), "describing a self-containing list does not recurse");
  }
}
