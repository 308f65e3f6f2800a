package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the training commands ends with exit code 1 and one line naming the problem. */
class TrainingCommandErrorsTest {
  @BeforeAll
  static void init() {
    org.altdiffusion.train.OneThread.use();
  }

  @org.junit.jupiter.api.AfterAll
  static void restoreThreads() {
    org.altdiffusion.train.OneThread.restore();
  }

  private static void assertFails(List<String> args, String... expected) {
    TrainingRuns.Outcome o = TrainingRuns.inProcess(args);
    assertNotEquals(0, o.code(), o.stderr());
    for (String e : expected)
      assertTrue(o.stderr().contains(e), "expected '" + e + "' in: " + o.stderr());
  }

  private static List<String> with(List<String> base, String option, String value) {
    List<String> out = new java.util.ArrayList<>(base);
    int i = out.indexOf(option);
    if (i >= 0) out.set(i + 1, value);
    else out.addAll(List.of(option, value));
    return out;
  }

  @Test
  void missingShardIsNamed(@TempDir Path tmp) throws Exception {
    Files.createDirectories(tmp.resolve("shards"));
    assertFails(
        with(
            TrainUnetCommandTest.tinyUnet(tmp.resolve("out"), "quality", 2),
            "--data",
            tmp.resolve("shards") + "/{00000..00003}.tar"),
        "error:",
        "00000.tar",
        "shard not found");
  }

  @Test
  void badMixedPrecisionIsNamed(@TempDir Path tmp) throws Exception {
    assertFails(
        with(
            TrainUnetCommandTest.tinyUnet(tmp.resolve("a"), "quality", 2),
            "--mixed-precision",
            "fp8"),
        "--mixed-precision 'fp8' is not known; accepted: no, bf16, fp16");
    List<String> widened =
        with(
            TrainUnetCommandTest.tinyUnet(tmp.resolve("b"), "quality", 2),
            "--precision",
            "float64");
    assertFails(with(widened, "--mixed-precision", "bf16"), "--precision float64", "use one");
  }

  @Test
  void aResumeWithAnotherMixedPrecisionIsRefused(@TempDir Path tmp) throws Exception {
    List<String> first = TrainUnetCommandTest.tinyUnet(tmp.resolve("out"), "quality", 1);
    TrainingRuns.Outcome o = TrainingRuns.inProcess(first);
    assertEquals(0, o.code(), o.stderr());
    List<String> resumed = with(with(first, "--steps", "2"), "--mixed-precision", "bf16");
    resumed.add("--resume");
    assertFails(resumed, "mixed_precision");
  }

  @Test
  void badOptionsAreNamed(@TempDir Path tmp) throws Exception {
    assertFails(
        TrainUnetCommandTest.tinyUnet(tmp.resolve("a"), "everything", 2),
        "unknown stage 'everything'",
        "concept-alignment, quality");
    assertFails(
        with(
            TrainUnetCommandTest.tinyUnet(tmp.resolve("b"), "quality", 2),
            "--model",
            tmp.toString()),
        "not an AltDiffusion folder");
    assertFails(
        with(
            with(TrainingRuns.tinyDistillation(tmp.resolve("c"), 2), "--batch-size", "3"),
            "--world-size",
            "2"),
        "--batch-size 3 must be a multiple of the world size 2");
    assertFails(
        with(TrainingRuns.tinyDistillation(tmp.resolve("d"), 2), "--lr-schedule", "linear"),
        "unknown learning-rate schedule 'linear'");
    assertFails(
        with(TrainingRuns.tinyDistillation(tmp.resolve("e"), 2), "--on-nan", "ignore"),
        "accepted: stop, skip");
    Path tsv =
        Files.writeString(
            tmp.resolve("pairs.tsv"), "a red circle\tun cercle rouge\n" + "only one column\n");
    assertFails(
        with(TrainingRuns.tinyDistillation(tmp.resolve("f"), 2), "--data", tsv.toString()),
        "pairs.tsv:2",
        "2 or 3 tab-separated columns");
    Path jsonl =
        Files.writeString(tmp.resolve("pairs.jsonl"), "{\"en\": \"a red circle\", \"text\": 3}\n");
    assertFails(
        with(TrainingRuns.tinyDistillation(tmp.resolve("g"), 2), "--data", jsonl.toString()),
        "pairs.jsonl:1");
    assertFails(
        with(
            TrainingRuns.tinyDistillation(tmp.resolve("h"), 2),
            "--data",
            tmp.resolve("none.tsv").toString()),
        "none.tsv");
  }

  @Test
  void parallelTextFilesTrainAndResumeRefusesOtherSettings(@TempDir Path tmp) throws Exception {
    Path jsonl =
        Files.writeString(
            tmp.resolve("pairs.jsonl"),
            """
            {"en": "a red circle", "text": "un cercle rouge", "lang": "fr"}
            {"en": "a blue square", "text": "ein blaues Quadrat", "lang": "de"}
            {"en": "", "text": "vide", "lang": "fr"}
            {"en": "a green star", "text": "绿色的星星", "lang": "zh"}
            """);
    Path out = tmp.resolve("out");
    List<String> args =
        with(
            with(
                TrainingRuns.tinyDistillation(out, 2, "--checkpoint-every", "1"),
                "--data",
                jsonl.toString()),
            "--batch-size",
            "2");
    TrainingRuns.Outcome o = TrainingRuns.inProcess(args);
    assertEquals(0, o.code(), o.stderr());
    assertTrue(
        o.stderr().contains("6 pairs") && o.stderr().contains("1 empty left out"), o.stderr());
    List<String> resumed = with(with(args, "--lr", "2e-3"), "--steps", "4");
    resumed.add("--resume");
    assertFails(
        resumed,
        "cannot resume from",
        "different configuration",
        "lr: 0.001 in the checkpoint, 0.002 now",
        "steps: 2 in the checkpoint, 4 now");
  }
}
