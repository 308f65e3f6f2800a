package org.altdiffusion.io;

import static org.altdiffusion.io.CheckpointFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A UNet saved by diffusers in two safetensors shards with an index, read back bit for bit. */
class ShardedCheckpointTest {
  static final String INDEX = "diffusion_pytorch_model.safetensors.index.json";
  static final String SHARD1 = "diffusion_pytorch_model-00001-of-00002.safetensors";
  static final String SHARD2 = "diffusion_pytorch_model-00002-of-00002.safetensors";

  @TempDir Path tmp;
  Path unet;

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @BeforeEach
  void copyUnet() {
    unet = copyTree(PIPELINE.resolve("unet"), tmp.resolve("unet"));
  }

  @Test
  void readsEveryTensorOfEveryShardBitIdentical() {
    JsonNode expected = json("pipeline.json").get("unet");
    try (PointerScope scope = new PointerScope();
        TensorSource src = Checkpoints.open(PIPELINE.resolve("unet").resolve(INDEX))) {
      assertInstanceOf(ShardedCheckpoint.class, src);
      ShardedCheckpoint sharded = (ShardedCheckpoint) src;
      assertEquals(2, sharded.shards().size());
      assertEquals(205456, sharded.metadata().get("total_size").asLong());
      List<String> names = new ArrayList<>();
      expected.fieldNames().forEachRemaining(names::add);
      assertEquals(names.stream().sorted().toList(), src.keys().stream().sorted().toList());
      for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String key = e.getKey();
        assertEquals(e.getValue().get("dtype").asText(), src.dtype(key), key);
        assertEquals(e.getValue().get("shape").size(), src.shape(key).length, key);
        assertEquals(e.getValue().get("sha256").asText(), sha256(bytes(src.loadRaw(key))), key);
      }
    }
  }

  @Test
  void missingShard() throws IOException {
    Files.delete(unet.resolve(SHARD2));
    String m = error(unet.resolve(INDEX));
    assertTrue(m.contains("shard '" + SHARD2 + "' (holding"), m);
    assertTrue(m.contains("is missing: expected " + unet.toAbsolutePath().resolve(SHARD2)), m);
  }

  @Test
  void tensorNotInTheShardTheIndexNames() throws IOException {
    String index = Files.readString(unet.resolve(INDEX));
    String moved =
        index.replaceFirst(
            "\"conv_in.bias\": \"" + SHARD1 + "\"", "\"conv_in.bias\": \"" + SHARD2 + "\"");
    assertNotEquals(index, moved);
    Files.writeString(unet.resolve(INDEX), moved);
    String m = error(unet.resolve(INDEX));
    assertTrue(
        m.contains(
            "tensor 'conv_in.bias' is mapped to shard '"
                + SHARD2
                + "', which does not hold it (shard '"
                + SHARD1
                + "' holds it)"),
        m);
  }

  @Test
  void shardHoldsATensorTheIndexLeavesOut() throws IOException {
    String index = Files.readString(unet.resolve(INDEX));
    Files.writeString(unet.resolve(INDEX), index.replaceFirst("\"conv_in.bias\": \"[^\"]*\",", ""));
    String m = error(unet.resolve(INDEX));
    assertTrue(
        m.contains(
            "shard '"
                + SHARD1
                + "' holds tensor 'conv_in.bias', which the weight_map does not list"),
        m);
  }

  @Test
  void shardNamesMustStayInTheFolder() throws IOException {
    Files.copy(unet.resolve(SHARD1), tmp.resolve(SHARD1));
    String index = Files.readString(unet.resolve(INDEX));
    for (String bad :
        new String[] {
          "../" + SHARD1, "sub/../../" + SHARD1, tmp.resolve(SHARD1).toAbsolutePath().toString(), ""
        }) {
      Files.writeString(
          unet.resolve(INDEX), index.replace("\"" + SHARD1 + "\"", "\"" + bad + "\""));
      String m = error(unet.resolve(INDEX));
      assertTrue(m.contains("shards must be files in the index's folder"), m);
    }
  }

  @Test
  void malformedIndexes() throws IOException {
    Path index = unet.resolve(INDEX);
    Files.writeString(index, "{\"metadata\": {}}");
    assertTrue(error(index).contains("field 'weight_map': missing"), error(index));
    Files.writeString(index, "{\"weight_map\": {\"a\": 3}}");
    assertTrue(
        error(index).contains("the shard of tensor 'a' must be a file name, got 3"), error(index));
    Files.writeString(index, "{\"weight_map\": []}");
    assertTrue(error(index).contains("must be an object {tensor: shard file}"), error(index));
    Files.writeString(index, "{\"weight_map\": {}}");
    assertTrue(error(index).contains("is empty"), error(index));
    // A repeated key keeps its last value, as Python's json.loads (the reference's reader) does.
    Files.writeString(index, "{\"weight_map\": {\"a\": \"" + SHARD1 + "\", \"a\": \"y\"}}");
    assertTrue(
        error(index).contains("shard 'y' (holding 1 tensors, e.g. 'a') is missing"), error(index));
    Files.writeString(index, "{\"weight_map\": {\"a\": \"" + SHARD1 + "\"}");
    assertTrue(error(index).contains("not valid JSON"), error(index));
    Files.writeString(index, "{\"weight_map\": {\"a\": \"other.safetensors.index.json\"}}");
    Files.writeString(unet.resolve("other.safetensors.index.json"), "{}");
    assertTrue(error(index).contains("is itself an index"), error(index));
  }

  @Test
  void brokenShardIsReportedByItsOwnReader() throws IOException {
    byte[] b = Files.readAllBytes(unet.resolve(SHARD2));
    Files.write(unet.resolve(SHARD2), java.util.Arrays.copyOf(b, b.length - 1));
    String m = error(unet.resolve(INDEX));
    assertTrue(
        m.startsWith(unet.resolve(SHARD2).toAbsolutePath() + ": not a valid safetensors file"), m);
  }

  private static String error(Path index) {
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> Checkpoints.open(index).close());
    return e.getMessage();
  }
}
