package org.altdiffusion.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.altdiffusion.io.Npz;
import org.junit.jupiter.api.Test;

class NumpyRandomStateTest {
  @Test
  void permutationsEqualNumpys() {
    Map<String, Npz.Array> isc = Npz.read(Path.of("src/test/resources/fixtures/eval/isc.npz"));
    for (int n : new int[] {10, 1000}) {
      int[] expected = Arrays.stream(isc.get("perm" + n).values()).mapToInt(v -> (int) v).toArray();
      assertArrayEquals(expected, new NumpyRandomState(2020).permutation(n), "n=" + n);
    }
  }
}
