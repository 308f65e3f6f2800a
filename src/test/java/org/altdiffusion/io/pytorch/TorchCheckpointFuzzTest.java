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
 * headers, truncation) must either read or fail with a CheckpointException: no other exception, no
 * hang, no crash. Fixed seed; each mutant has its own seed (base + index) so a failure names what
 * reproduces it. Bounded to ~10 s of mutants (the count varies with machine speed, the sequence
 * does not).
 */
class TorchCheckpointFuzzTest {
  static final long SEED = 20240601L;

  /**
   * Seconds of mutants; -Daltdiffusion.fuzzSeconds=600 for a longer run (with
   * -Daltdiffusion.fuzzSeed=N).
   */
  static final long BUDGET_NANOS = Long.getLong("altdiffusion.fuzzSeconds", 10) * 1_000_000_000L;

  static final long BASE_SEED = Long.getLong("altdiffusion.fuzzSeed", SEED);
  static final int MAX_MUTANTS = Integer.MAX_VALUE;
  static final List<String> INPUTS =
      List.of(
          "views.bin",
          "module_state.bin",
          "misc_p4.pt",
          "misc_p2.pt",
          "ldm.ckpt",
          "dtypes.bin",
          "big_endian.bin",
          "views_p5.bin",
          "zip64.bin");

  @TempDir Path tmp;

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void mutantsReadOrFailCleanly() {
    byte[][] valid =
        INPUTS.stream().map(n -> Fixtures.read(Fixtures.fixture(n))).toArray(byte[][]::new);
    Path file = tmp.resolve("mutant.bin");
    long start = System.nanoTime();
    int ok = 0;
    int refused = 0;
    int i = 0;
    for (; i < MAX_MUTANTS && System.nanoTime() - start < BUDGET_NANOS; i++) {
      Random random = new Random(BASE_SEED + i);
      int input = random.nextInt(valid.length);
      Fixtures.write(file, TorchCheckpointMutator.mutate(valid[input], random));
      long window =
          random.nextBoolean()
              ? TorchCheckpoint.MAP_WINDOW
              : 8 + random.nextInt(64); // tiny: windowed/split copies
      try {
        readEverything(file, window);
        ok++;
      } catch (CheckpointException e) {
        refused++;
      } catch (Throwable t) {
        fail(
            "mutant "
                + i
                + " (seed "
                + (BASE_SEED + i)
                + ") of "
                + INPUTS.get(input)
                + " threw "
                + t,
            t);
      }
    }
    System.out.printf(
        "fuzz: %d mutants, %d read, %d refused with CheckpointException%n", i, ok, refused);
    assertTrue(refused > 0 && ok > 0, "the mutator exercises both outcomes");
  }

  @Test
  void mutatorIsDeterministic() {
    byte[] valid = Fixtures.read(Fixtures.fixture("views.bin"));
    for (int i = 0; i < 50; i++) {
      assertArrayEquals(
          TorchCheckpointMutator.mutate(valid, new Random(i)),
          TorchCheckpointMutator.mutate(valid, new Random(i)));
    }
    byte[] copy = valid.clone();
    TorchCheckpointMutator.mutate(valid, new Random(1));
    assertArrayEquals(copy, valid, "input left untouched");
  }

  private static void readEverything(Path file, long mapWindow) {
    try (PointerScope scope = new PointerScope();
        TorchCheckpoint c = TorchCheckpoint.open(file, mapWindow)) {
      for (String k : c.keys()) {
        c.shape(k);
        c.dtype(k);
        c.loadRaw(k);
        c.load(k);
      }
    }
  }
}
