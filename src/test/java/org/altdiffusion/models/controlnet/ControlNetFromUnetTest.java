package org.altdiffusion.models.controlnet;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.Checkpoints;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.models.unet.UNet2DConditionConfig;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.train.TrainingFixtures;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ControlNetModel#fromUnet} against diffusers' {@code ControlNetModel.from_unet} on the tiny
 * test UNet (tools/reference/make_controlnet_train_fixtures.py).
 */
class ControlNetFromUnetTest {
  static final Path UNET = TrainingFixtures.path("pipeline/tiny-altdiffusion/unet");
  static final Path EXPECTED = TrainingFixtures.path("controlnet/from-unet");

  @BeforeAll
  static void init() {
    Torch.init();
  }

  /**
   * Same config; the copied encoder and every zero convolution equal diffusers' weight for weight;
   * the conditioning embedding's other layers (torch's random default initialisation) have the same
   * shapes and lie within the default bound +-1/sqrt(fan_in).
   */
  @Test
  void equalsDiffusersFromUnetWeightForWeight() {
    try (PointerScope scope = new PointerScope()) {
      UNet2DConditionModel unet = UNet2DConditionModel.fromPretrained(UNET);
      ControlNetModel net =
          ControlNetModel.fromUnet(unet, 3, List.of(16, 32), Tensors.generator(0));
      assertEquals(ControlNetConfig.read(EXPECTED.resolve("config.json")), net.config);
      Map<String, Tensor> ours = net.stateDict();
      int exact = 0;
      int random = 0;
      try (TensorSource theirs =
          Checkpoints.open(EXPECTED.resolve("diffusion_pytorch_model.safetensors"))) {
        assertEquals(theirs.keys(), ours.keySet());
        for (String k : theirs.keys()) {
          Tensor expected = theirs.load(k);
          Tensor actual = ours.get(k);
          assertArrayEquals(Tensors.shape(expected), Tensors.shape(actual), k);
          boolean randomInit =
              k.startsWith("controlnet_cond_embedding.conv_in.")
                  || k.startsWith("controlnet_cond_embedding.blocks.");
          if (randomInit) {
            random++;
            long fanIn = Tensors.numel(Tensors.shape(expected)) / expected.size(0);
            if (k.endsWith(".bias")) continue; // bias bound uses the weight's fan-in as well
            double bound = 1 / Math.sqrt(fanIn) + 1e-7;
            assertTrue(actual.abs().max().item_double() <= bound, k + " beyond the default bound");
            assertTrue(actual.abs().max().item_double() > 0, k + " is zero");
          } else {
            exact++;
            assertTrue(expected.equal(actual), k + " differs from diffusers' from_unet");
          }
        }
      }
      System.out.printf(
          "from_unet: %d tensors equal to diffusers' bit for bit, %d randomly initialised%n",
          exact, random);
      assertTrue(exact > 50 && random == 6, exact + " exact, " + random + " random");
      assertEquals(
          0.0,
          ours.get("controlnet_mid_block.weight").abs().max().item_double(),
          "zero convolution");
    }
  }

  /** The exported config.json reads back to the same config. */
  @Test
  void configJsonRoundTrips(@TempDir Path tmp) throws Exception {
    ControlNetConfig c =
        ControlNetConfig.fromUnet(
            UNet2DConditionConfig.read(UNET.resolve("config.json")), 3, List.of(16, 32));
    Path f = tmp.resolve("config.json");
    Files.writeString(
        f, new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(c.toJson()));
    assertEquals(c, ControlNetConfig.read(f));
  }

  /** A UNet whose layout diffusers' ControlNet cannot copy: an error naming what is wrong. */
  @Test
  void unetWithUnfitLayoutIsRefused(@TempDir Path tmp) throws Exception {
    var json = JsonConfig.read(UNET.resolve("config.json")).copy();
    json.putArray("layers_per_block").add(1).add(2);
    json.put("time_embedding_dim", 40);
    Path f = tmp.resolve("config.json");
    Files.writeString(f, json.toString());
    UNet2DConditionConfig config = UNet2DConditionConfig.read(f);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ControlNetConfig.fromUnet(config, 3, List.of(16, 32)));
    assertTrue(
        e.getMessage().contains("cannot make a ControlNet")
            && e.getMessage().contains("layers_per_block [1, 2] differs between blocks")
            && e.getMessage()
                .contains("time_embedding_dim 40 is not 4 x block_out_channels[0] = 64"),
        e.getMessage());
  }
}
