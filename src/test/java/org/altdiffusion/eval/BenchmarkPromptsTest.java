package org.altdiffusion.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarkPromptsTest {
  @TempDir Path tmp;

  List<BenchmarkPrompts.Prompt> read(String name, String text) throws Exception {
    Path f = tmp.resolve(name);
    Files.writeString(f, text);
    return BenchmarkPrompts.read(f);
  }

  String error(String name, String text) {
    return assertThrows(IllegalArgumentException.class, () -> read(name, text)).getMessage();
  }

  @Test
  void readsTsvWithColumnsInAnyOrderAndJsonl() throws Exception {
    var tsv = read("p.tsv", "prompt\tid\textra\tlanguage\nun chat\tfr-1\tx\tFR\n");
    assertEquals(List.of(new BenchmarkPrompts.Prompt("fr-1", "fr", "un chat")), tsv);
    var jsonl = read("p.jsonl", "{\"id\":\"zh-1\",\"language\":\"zh\",\"prompt\":\"一只猫\"}\n\n");
    assertEquals("一只猫", jsonl.get(0).prompt());
  }

  @Test
  void badInputNamesTheLineAndWhatIsAccepted() {
    assertTrue(error("a.tsv", "id\tprompt\n1\tx\n").contains("no column 'language'"));
    String lang = error("b.tsv", "id\tlanguage\tprompt\n1\ten\tx\n2\txx\ty\n");
    assertTrue(lang.contains("line 3: unknown language 'xx'") && lang.contains("en, zh, ja"), lang);
    String dup = error("c.tsv", "id\tlanguage\tprompt\n1\ten\tx\n1\tde\ty\n");
    assertTrue(dup.contains("line 3: duplicate id '1' (first on line 2)"), dup);
    assertTrue(
        error("d.jsonl", "{\"id\":\"1\",\"prompt\":\"x\"}\n").contains("no field 'language'"));
    assertTrue(
        error("e.tsv", "id\tlanguage\tprompt\n../x\ten\tx\n").contains("names the picture file"));
    assertTrue(error("f.tsv", "id\tlanguage\tprompt\n1\ten\n").contains("2 tab-separated cells"));
  }

  @Test
  void shardsSplitEveryPositionOnce() {
    assertEquals(new Shard(1, 3), Shard.parse("1/3"));
    int[] owners = new int[10];
    for (int i = 0; i < 3; i++)
      for (int p = 0; p < 10; p++) if (new Shard(i, 3).owns(p)) owners[p]++;
    for (int o : owners) assertEquals(1, o);
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Shard.parse("3/3"))
            .getMessage()
            .contains("0 <= I < N"));
    assertFalse(Shard.ALL.partName().isEmpty());
    assertThrows(IllegalArgumentException.class, () -> Shard.parse("a"));
  }
}
