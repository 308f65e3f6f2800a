package org.altdiffusion.io.pytorch;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointException;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutants of valid checkpoints (TorchCheckpointMutator: pickle bytes with fixed-up CRC, zip
 * headers, truncation) must either read or fail with a CheckpointException: no other exception,
 * no hang, no crash. Fixed seed; each mutant has its own seed (base + index) so a failure names
 * what reproduces it. Bounded to ~12 s of mutants (the count varies with machine speed, the
 * sequence does not).
 */
class TorchCheckpointFuzzTest {
  static final long SEED = 20240601L;
  static final long BUDGET_NANOS = 12_000_000_000L;
  static final int MAX_MUTANTS = 20_000;
  static final List<String> INPUTS = List.of("views.bin", "module_state.bin", "misc_p4.pt", "misc_p2.pt", "ldm.ckpt",
      "dtypes.bin", "big_endian.bin", "views_p5.bin");

  @TempDir Path tmp;

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void mutantsReadOrFailCleanly() {
    byte[][] valid = INPUTS.stream().map(n -> Fixtures.read(Fixtures.fixture(n))).toArray(byte[][]::new);
    Path file = tmp.resolve("mutant.bin");
    long start = System.nanoTime();
    int ok = 0;
    int refused = 0;
    int i = 0;
    for (; i < MAX_MUTANTS && System.nanoTime() - start < BUDGET_NANOS; i++) {
      Random random = new Random(SEED + i);
      int input = random.nextInt(valid.length);
      Fixtures.write(file, TorchCheckpointMutator.mutate(valid[input], random));
      try {
        readEverything(file);
        ok++;
      } catch (CheckpointException e) {
        refused++;
      } catch (Throwable t) {
        fail("mutant " + i + " (seed " + (SEED + i) + ") of " + INPUTS.get(input) + " threw " + t, t);
      }
    }
    System.out.printf("fuzz: %d mutants, %d read, %d refused with CheckpointException%n", i, ok, refused);
    assertTrue(refused > 0 && ok > 0, "the mutator exercises both outcomes");
  }

  @Test
  void mutatorIsDeterministic() {
    byte[] valid = Fixtures.read(Fixtures.fixture("views.bin"));
    for (int i = 0; i < 50; i++) {
      assertArrayEquals(TorchCheckpointMutator.mutate(valid, new Random(i)), TorchCheckpointMutator.mutate(valid, new Random(i)));
    }
    byte[] copy = valid.clone();
    TorchCheckpointMutator.mutate(valid, new Random(1));
    assertArrayEquals(copy, valid, "input left untouched");
  }

  private static void readEverything(Path file) {
    try (PointerScope scope = new PointerScope(); TorchCheckpoint c = TorchCheckpoint.open(file)) {
      for (String k : c.keys()) {
        c.shape(k);
        c.dtype(k);
        c.loadRaw(k);
        c.load(k);
      }
    }
  }
}
