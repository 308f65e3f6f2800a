package org.altdiffusion.models.controlnet;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.JsonConfig;
import org.junit.jupiter.api.Test;

/** config.json of diffusers ControlNets: defaults, head counts, and refusals naming the field. */
class ControlNetConfigTest {
  static final Path FILE = Path.of("src/test/resources/fixtures/controlnet/cn-sd2/config.json");

  @Test
  void readsTheTinyNetAndDiffusersDefaults() {
    ControlNetConfig c = ControlNetConfig.read(FILE);
    assertEquals(List.of(16, 32), c.blockOutChannels());
    assertEquals(List.of(2, 4), c.attentionHeads());
    assertTrue(c.useLinearProjection());
    assertEquals(List.of(8, 16), c.conditioningEmbeddingOutChannels());
    assertEquals(4, c.downResidualCount());
    ControlNetConfig defaults =
        ControlNetConfig.from(JsonConfig.of(FILE, new ObjectMapper().createObjectNode()));
    assertEquals(List.of(320, 640, 1280, 1280), defaults.blockOutChannels());
    assertEquals(List.of(16, 32, 96, 256), defaults.conditioningEmbeddingOutChannels());
    assertEquals(12, defaults.downResidualCount());
  }

  @Test
  void numAttentionHeadsWinsOverAttentionHeadDim() {
    ObjectNode n = JsonConfig.read(FILE).copy();
    n.put("num_attention_heads", 1);
    assertEquals(List.of(1, 1), ControlNetConfig.from(JsonConfig.of(FILE, n)).attentionHeads());
  }

  @Test
  void unsupportedFieldsAreNamed() {
    for (String[] kv :
        new String[][] {
          {"class_embed_type", "timestep"},
          {"addition_embed_type", "text_time"},
          {"mid_block_type", "UNetMidBlock2D"},
          {"controlnet_conditioning_channel_order", "xyz"}
        }) {
      ObjectNode n = JsonConfig.read(FILE).copy();
      n.put(kv[0], kv[1]);
      var e =
          assertThrows(
              CheckpointException.class, () -> ControlNetConfig.from(JsonConfig.of(FILE, n)));
      assertTrue(e.getMessage().contains(kv[0]), e.getMessage());
      assertTrue(e.getMessage().contains("accepted"), e.getMessage());
    }
  }
}
