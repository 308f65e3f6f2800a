package org.altdiffusion.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/eval");

  @Test
  void readsNumpysStoredAndDeflatedArchives() {
    Map<String, Npz.Array> stored = Npz.read(DIR.resolve("frechet.npz")); // np.savez
    Map<String, Npz.Array> deflated = Npz.read(DIR.resolve("stats_compressed.npz"));
    assertArrayEquals(stored.get("plain_mu1").values(), deflated.get("mu").values());
    assertArrayEquals(stored.get("plain_sigma1").values(), deflated.get("sigma").values());
    assertArrayEquals(new long[] {12, 12}, deflated.get("sigma").shape());
    assertArrayEquals(new long[] {100, 256}, stored.get("relu256_f1").shape()); // float32
    assertEquals(0, stored.get("plain_fid").shape().length); // 0-d float64
    assertTrue(stored.get("cases").strings()[0].startsWith("plain,fewsamples"));
    Map<String, Npz.Array> isc = Npz.read(DIR.resolve("isc.npz"));
    assertEquals(10, isc.get("small_splits").scalar()); // int64
  }

  @Test
  void writesWhatItReads(@TempDir Path tmp) {
    Map<String, Npz.Array> arrays = new LinkedHashMap<>();
    arrays.put("mu", Npz.Array.of(new double[] {1.5, -2, 3e-300}, 3));
    arrays.put("sigma", Npz.Array.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
    arrays.put("s", Npz.Array.of(new double[] {7}));
    Path file = tmp.resolve("stats.npz");
    Npz.write(file, arrays);
    Map<String, Npz.Array> back = Npz.read(file);
    assertEquals(arrays.keySet(), back.keySet());
    for (String k : arrays.keySet()) {
      assertArrayEquals(arrays.get(k).shape(), back.get(k).shape(), k);
      assertArrayEquals(arrays.get(k).values(), back.get(k).values(), k);
    }
  }

  @Test
  void namesWhatIsWrongWithABadFile(@TempDir Path tmp) throws Exception {
    Path text = tmp.resolve("notzip.npz");
    Files.writeString(text, "hello");
    var e = assertThrows(CheckpointException.class, () -> Npz.read(text));
    assertTrue(e.getMessage().contains("not a NumPy .npz archive"), e.getMessage());
    Path missing = tmp.resolve("missing.npz");
    var m = assertThrows(CheckpointException.class, () -> Npz.read(missing));
    assertTrue(m.getMessage().contains("missing.npz"), m.getMessage());
  }
}
