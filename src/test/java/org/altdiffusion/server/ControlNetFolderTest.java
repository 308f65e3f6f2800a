package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ControlNet folder: what counts as a net, A1111's short hash, and name resolution. */
class ControlNetFolderTest {
  @TempDir Path dir;

  @Test
  void listsFilesAndDiffusersFoldersWithA1111sShortHash() throws Exception {
    byte[] big = new byte[0x100000 + 0x10000 + 10];
    for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31 + 7);
    Files.write(dir.resolve("control_v11p_sd15_canny.pth"), big);
    Files.createDirectories(dir.resolve("sub"));
    Files.write(dir.resolve("sub/control_sd15_canny_small.safetensors"), new byte[10]);
    Files.write(dir.resolve("notes.txt"), new byte[1]);
    Path folder = Files.createDirectories(dir.resolve("cn-depth"));
    Files.writeString(folder.resolve("config.json"), "{}");
    Files.write(folder.resolve("diffusion_pytorch_model.safetensors"), new byte[3]);
    Files.write(folder.resolve("extra.bin"), new byte[3]); // inside a diffusers folder: not a net

    byte[] window = java.util.Arrays.copyOfRange(big, 0x100000, 0x110000);
    String hash =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(window))
            .substring(0, 8);
    List<ControlNetFolder.Entry> entries = new ControlNetFolder(dir).entries();
    assertEquals(
        List.of(
            "cn-depth [e3b0c442]",
            "control_sd15_canny_small [e3b0c442]",
            "control_v11p_sd15_canny [" + hash + "]"),
        entries.stream().map(ControlNetFolder.Entry::title).toList());
    assertEquals(folder, entries.get(0).path());
  }

  @Test
  void resolvesTitlesNamesAndTheShortestNameContainingIt() throws Exception {
    Files.write(dir.resolve("control_sd15_canny.safetensors"), new byte[1]);
    Files.write(dir.resolve("control_sd15_canny_v2.safetensors"), new byte[1]);
    ControlNetFolder f = new ControlNetFolder(dir);
    assertEquals("control_sd15_canny", f.resolve("m", "control_sd15_canny [e3b0c442]").name());
    assertEquals("control_sd15_canny_v2", f.resolve("m", "CONTROL_SD15_CANNY_V2").name());
    assertEquals("control_sd15_canny", f.resolve("m", "canny").name());
    ApiException none = assertThrows(ApiException.class, () -> f.resolve("m", "None"));
    assertTrue(none.getMessage().contains("no ControlNet model selected"), none.getMessage());
    ApiException unknown = assertThrows(ApiException.class, () -> f.resolve("m", "depth"));
    assertTrue(
        unknown
            .getMessage()
            .contains(
                "unknown ControlNet model 'depth'; accepted: control_sd15_canny [e3b0c442],"
                    + " control_sd15_canny_v2 [e3b0c442]"),
        unknown.getMessage());
    ApiException empty =
        assertThrows(
            ApiException.class, () -> new ControlNetFolder(dir.resolve("nope")).resolve("m", "x"));
    assertTrue(empty.getMessage().contains("holds none; start it with --controlnets DIR"));
  }
}
