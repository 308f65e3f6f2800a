package org.altdiffusion.models.controlnet;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.models.unet.UNet2DConditionConfig;
import org.altdiffusion.nn.StateDictException;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Original-layout ControlNet files (tools/reference/make_controlnet_fixtures.py): an SD 1.x-style
 * net with the control_model. prefix as .safetensors and as .pth (the safe unpickler), and an SD
 * 2.x-style net without the prefix, each converted by our table and equal, weight for weight, to
 * diffusers' ControlNetModel.from_single_file conversion of the same file.
 */
class ControlNetSingleFileTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/controlnet/single");

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sd1.safetensors", "sd1.pth", "sd2.safetensors"})
  void equalsDiffusersConversionWeightForWeight(String file) {
    ControlNetModel ours = ControlNetSingleFile.load(DIR.resolve(file));
    String expectedFile = file.substring(0, 3) + "-expected.safetensors";
    try (var expected = SafeTensors.open(DIR.resolve(expectedFile))) {
      Map<String, Tensor> state = ours.stateDict();
      assertEquals(expected.keys(), state.keySet(), "the same parameter names");
      long differing = 0;
      for (String k : expected.keys()) if (!expected.load(k).equal(state.get(k))) differing++;
      System.out.printf(
          "controlnet single file %-16s %d weights, %d differ from diffusers%n",
          file, state.size(), differing);
      assertEquals(0, differing);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sd1.safetensors", "sd2.safetensors"})
  void architectureIsReadFromTheWeights(String file) {
    ControlNetConfig c = ControlNetSingleFile.load(DIR.resolve(file)).config;
    boolean sd1 = file.startsWith("sd1");
    assertEquals(sd1 ? 2 : 1, c.layersPerBlock());
    assertEquals(java.util.List.of(32, 32), c.blockOutChannels());
    assertEquals(sd1, !c.useLinearProjection());
    assertEquals(32, c.crossAttentionDim());
    assertEquals(java.util.List.of(4, 8, 8, 16), c.conditioningEmbeddingOutChannels());
  }

  @ParameterizedTest
  @ValueSource(strings = {"sd1.safetensors"})
  void aControlNetOfAnotherWidthDoesNotFit(String file) {
    ControlNetModel net = ControlNetSingleFile.load(DIR.resolve(file));
    UNet2DConditionConfig unet =
        UNet2DConditionConfig.read(
            Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion/unet/config.json"));
    var e = assertThrows(IllegalArgumentException.class, () -> net.checkFits(unet, "sd1", "tiny"));
    assertTrue(e.getMessage().contains("ControlNet sd1 does not fit model tiny"), e.getMessage());
    assertTrue(e.getMessage().contains("block_out_channels [32, 32] vs the model's [16, 32]"));
    assertTrue(e.getMessage().contains("layers_per_block 2 vs the model's [1, 1]"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sd1.safetensors"})
  void unknownAndMissingKeysAreNamed(String file, @TempDir Path tmp) throws Exception {
    Path bad = tmp.resolve("bad.safetensors");
    try (var src = SafeTensors.open(DIR.resolve(file))) {
      java.util.Map<String, Tensor> all = new java.util.LinkedHashMap<>();
      for (String k : src.keys()) all.put(k, src.load(k));
      all.remove("control_model.zero_convs.0.0.bias");
      all.put("control_model.zero_convs.0.0.extra", all.get("control_model.zero_convs.0.0.weight"));
      SafeTensors.write(bad, all, java.util.Map.of());
    }
    var e = assertThrows(RuntimeException.class, () -> ControlNetSingleFile.load(bad));
    assertTrue(
        e instanceof StateDictException
            || e instanceof org.altdiffusion.io.keys.KeyMappingException,
        e.toString());
    assertTrue(e.getMessage().contains("zero_convs.0.0.extra"), e.getMessage());
    Path notNet = tmp.resolve("plain.safetensors");
    Files.copy(DIR.resolve("sd1-expected.safetensors"), notNet);
    var e2 = assertThrows(CheckpointException.class, () -> ControlNetSingleFile.load(notNet));
    assertTrue(e2.getMessage().contains("not an original ControlNet file"), e2.getMessage());
  }
}
