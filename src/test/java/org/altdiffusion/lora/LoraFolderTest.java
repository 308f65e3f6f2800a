package org.altdiffusion.lora;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The LoRA folder: names, aliases, metadata, refresh, unknown names and paths refused. */
class LoraFolderTest {
  static final Path FIXTURES = Path.of("src/test/resources/fixtures/lora");

  static LoraFolder folderWith(Path dir, String... fixtures) throws Exception {
    for (String f : fixtures) Files.copy(FIXTURES.resolve(f), dir.resolve(f));
    return new LoraFolder(dir);
  }

  @Test
  void listsLoraFilesByNameWithMetadataInSubfoldersToo(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("sub"));
    Files.copy(FIXTURES.resolve("peft.safetensors"), dir.resolve("sub/peft.safetensors"));
    Files.writeString(dir.resolve("notes.txt"), "not a LoRA");
    LoraFolder folder = folderWith(dir, "kohya_locon.safetensors", "kohya_locon.pt");
    List<String> names = folder.entries().stream().map(LoraFolder.Entry::name).toList();
    assertEquals(List.of("kohya_locon", "peft"), names); // the .pt of the same name: first wins
    LoraFolder.Entry kohya = folder.find("kohya_locon");
    assertEquals(dir.resolve("kohya_locon.pt"), kohya.path()); // path order: .pt < .safetensors
    assertEquals(dir.resolve("sub/peft.safetensors"), folder.find("peft").path());
  }

  @Test
  void safetensorsMetadataAndTheTrainersNameAsAlias(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("mine.safetensors");
    org.altdiffusion.engine.Torch.init();
    try (var t = org.bytedeco.pytorch.global.torch.zeros(2, 2)) {
      org.altdiffusion.io.SafeTensors.write(
          f, java.util.Map.of("x", t), java.util.Map.of("ss_output_name", "Ink Style"));
    }
    LoraFolder folder = new LoraFolder(dir);
    LoraFolder.Entry e = folder.find("Ink Style");
    assertEquals("mine", e.name());
    assertEquals("Ink Style", e.alias());
    assertEquals("Ink Style", e.metadata().get("ss_output_name"));
  }

  @Test
  void refreshPicksUpNewAndRemovedFiles(@TempDir Path dir) throws Exception {
    LoraFolder folder = folderWith(dir, "peft.safetensors");
    Files.copy(FIXTURES.resolve("kohya_only.safetensors"), dir.resolve("kohya_only.safetensors"));
    assertThrows(IllegalArgumentException.class, () -> folder.find("kohya_only"));
    folder.refresh();
    assertEquals(dir.resolve("kohya_only.safetensors"), folder.find("kohya_only").path());
    Files.delete(dir.resolve("peft.safetensors"));
    folder.refresh();
    assertThrows(IllegalArgumentException.class, () -> folder.find("peft"));
  }

  @Test
  void unknownNamesListTheKnownOnes(@TempDir Path dir) throws Exception {
    LoraFolder folder = folderWith(dir, "peft.safetensors", "kohya_only.safetensors");
    String m = assertThrows(IllegalArgumentException.class, () -> folder.find("ink")).getMessage();
    assertEquals("unknown LoRA 'ink': known in " + dir + ": kohya_only, peft", m);
    LoraFolder missing = new LoraFolder(dir.resolve("nope"));
    assertTrue(missing.entries().isEmpty());
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> missing.find("ink"))
            .getMessage()
            .endsWith("does not exist"));
  }

  @Test
  void namesWithPathsAreRefusedEvenWhenTheFileExists(@TempDir Path dir) throws Exception {
    Path inner = Files.createDirectories(dir.resolve("loras"));
    Files.copy(FIXTURES.resolve("peft.safetensors"), dir.resolve("x.safetensors"));
    Files.copy(FIXTURES.resolve("peft.safetensors"), inner.resolve("peft.safetensors"));
    LoraFolder folder = new LoraFolder(inner);
    for (String name : List.of("../x", "..", "sub/peft", "..\\x", "/etc/passwd")) {
      String m = assertThrows(IllegalArgumentException.class, () -> folder.find(name)).getMessage();
      assertTrue(m.contains("not a path"), m);
    }
    var tags = LoraPrompt.parse("a <lora:../x:1>").tags();
    assertThrows(IllegalArgumentException.class, () -> folder.specs(tags));
  }

  @Test
  void specsFollowTheTags(@TempDir Path dir) throws Exception {
    LoraFolder folder = folderWith(dir, "peft.safetensors", "kohya_only.safetensors");
    assertEquals(
        List.of(
            new LoraSpec(dir.resolve("kohya_only.safetensors"), 0.5),
            new LoraSpec(dir.resolve("peft.safetensors"), 1.0)),
        folder.specs(LoraPrompt.parse("<lora:kohya_only:0.5> a <lora:peft>").tags()));
  }
}
