package org.altdiffusion.io.fuzz;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mutated safetensors files (fixed seed, so any failure replays with {@code CheckpointFuzzer --seed
 * 20240601 --start <input> --count 1}): each must load fully, with bit-identical values, or be
 * refused with a CheckpointException. Bounded to about 20 s; the long runs use the CheckpointFuzzer
 * command.
 */
class CheckpointFuzzerTest {
  static final long SEED = 20240601L;

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void mutatedSafetensorsLoadOrFailCleanly() {
    CheckpointFuzzer.Options o =
        CheckpointFuzzer.Options.of(200_000, SEED, CheckpointFuzzer.Format.SAFETENSORS)
            .withSeedDir(Path.of("src/test/resources/fixtures/checkpoints"))
            .withTimeLimit(20_000);
    CheckpointFuzzer.Result r = CheckpointFuzzer.run(o, System.out);
    System.out.println("fuzz: " + r.summary());
    assertEquals(0, r.failed(), String.join("\n", r.failures()));
    assertTrue(r.inputs() >= 1000, "too few inputs to mean anything: " + r.summary());
    // both paths exercised: some inputs are valid (and checked bit for bit), most are refused
    assertTrue(r.accepted() > r.inputs() / 20, r.summary());
    assertTrue(r.cleanErrors() > r.inputs() / 2, r.summary());
    assertTrue(
        r.errorKinds().size() > 30,
        "mutations reach many distinct checks: " + r.errorKinds().keySet());
  }

  @Test
  void inputsDependOnlyOnSeedAndIndex() {
    CheckpointFuzzer.Result a =
        CheckpointFuzzer.run(
            new CheckpointFuzzer.Options(
                50, 5, 100, CheckpointFuzzer.Format.SAFETENSORS, null, null, null, 0, 0),
            System.out);
    CheckpointFuzzer.Result b =
        CheckpointFuzzer.run(
            new CheckpointFuzzer.Options(
                50, 5, 100, CheckpointFuzzer.Format.SAFETENSORS, null, null, null, 0, 0),
            System.out);
    assertEquals(a.errorKinds(), b.errorKinds());
    assertEquals(a.accepted(), b.accepted());
  }

  @Test
  void errorKindsBlankOutDetails() {
    assertEquals(
        "tensor '*' spans N bytes but FN x (*) needs N",
        CheckpointFuzzer.kind(
            ": not a valid safetensors file: tensor 'a.b' spans 4 bytes but F32 x [2, 3] needs"
                + " 24"));
  }
}
