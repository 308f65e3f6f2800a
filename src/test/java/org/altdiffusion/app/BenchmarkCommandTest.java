package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark runner on the built-in model (2 steps): three shards into one folder give exactly
 * the report of one unsharded run, and an interrupted run resumes without regenerating.
 */
class BenchmarkCommandTest {
  static final String PROMPTS =
      "id\tlanguage\tprompt\n"
          + "en-1\ten\ta red circle on the left\n"
          + "zh-1\tzh\t左边的一个红色圆圈\n"
          + "en-2\ten\ta small blue square\n"
          + "zh-2\tzh\t一个小的蓝色正方形\n"
          + "fr-1\tfr\tun grand triangle vert\n";

  @Test
  void threeShardsGiveTheReportOfOneRunAndARunResumes(@TempDir Path tmp) throws Exception {
    Path prompts = tmp.resolve("prompts.tsv");
    Files.writeString(prompts, PROMPTS);
    Path one = tmp.resolve("one");
    Path three = tmp.resolve("three");
    ok(run(prompts, one, "0/1"));
    for (int i = 0; i < 3; i++) ok(run(prompts, three, i + "/3"));
    ok(GenerateCommandTest.run("benchmark", "report", one.toString()));
    ok(GenerateCommandTest.run("benchmark", "report", three.toString()));
    String report = Files.readString(one.resolve("report.md"));
    assertEquals(report, Files.readString(three.resolve("report.md")));
    for (String lang : new String[] {"en", "zh", "fr"}) {
      assertTrue(report.contains("\n| " + lang + " | "), report);
      assertTrue(Files.exists(one.resolve("grid-" + lang + ".png")), lang);
    }
    assertTrue(Files.exists(one.resolve("clip-score.png")));
    for (String id : new String[] {"en-1", "zh-1", "en-2", "zh-2", "fr-1"}) {
      assertEquals(
          -1L,
          Files.mismatch(
              one.resolve("images/" + id + ".png"), three.resolve("images/" + id + ".png")),
          id);
    }
    // interrupted: one picture and the part file never written
    Files.delete(one.resolve("images/zh-2.png"));
    Files.delete(one.resolve("parts/part-0-of-1.jsonl"));
    var again = run(prompts, one, "0/1");
    ok(again);
    assertTrue(again.out().contains("5 prompts, 1 generated, 4 reused"), again.out());
    ok(GenerateCommandTest.run("benchmark", "report", one.toString()));
    assertEquals(report, Files.readString(one.resolve("report.md")));
  }

  @Test
  void aPictureMadeWithOtherSettingsIsAnError(@TempDir Path tmp) throws Exception {
    Path prompts = tmp.resolve("prompts.jsonl");
    Files.writeString(
        prompts, "{\"id\": \"a\", \"language\": \"en\", \"prompt\": \"a red circle\"}\n");
    Path dir = tmp.resolve("b");
    ok(run(prompts, dir, "0/1"));
    Files.delete(dir.resolve("benchmark.json"));
    var r =
        GenerateCommandTest.run(
            "benchmark", "--prompts", prompts.toString(), "--out", dir.toString(), "--steps", "3");
    assertNotEquals(0, r.code());
    assertTrue(r.err().contains("Steps 2 (expected 3)"), r.err());
  }

  @Test
  void badPromptFilesAreClearErrors(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("p.tsv");
    Files.writeString(f, "id\tlang\tprompt\na\ten\tx\n");
    var r =
        GenerateCommandTest.run("benchmark", "--prompts", f.toString(), "--out", tmp.toString());
    assertNotEquals(0, r.code());
    assertTrue(r.err().contains("no column 'language'"), r.err());
    var report = GenerateCommandTest.run("benchmark", "report", tmp.resolve("nothing").toString());
    assertNotEquals(0, report.code());
    assertTrue(report.err().contains("no such benchmark folder"), report.err());
  }

  static GenerateCommandTest.Run run(Path prompts, Path out, String shard) {
    return GenerateCommandTest.run(
        "benchmark",
        "--prompts",
        prompts.toString(),
        "--out",
        out.toString(),
        "--steps",
        "2",
        "--shard",
        shard);
  }

  static void ok(GenerateCommandTest.Run r) {
    assertEquals(0, r.code(), r.err());
  }
}
