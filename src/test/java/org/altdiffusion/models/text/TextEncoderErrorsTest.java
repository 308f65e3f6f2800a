package org.altdiffusion.models.text;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.nn.StateDictException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configs, weights and inputs that do not fit: each error names what was wrong. */
class TextEncoderErrorsTest {
  @BeforeAll
  static void init() {
    Torch.init();
  }

  static JsonConfig editedConfig(String model, String from, String to) throws IOException {
    Path file = Fixtures.dir(model).resolve("config.json");
    String text = Files.readString(file);
    assertTrue(text.contains(from), "fixture config lacks " + from);
    return JsonConfig.parse(file, text.replace(from, to));
  }

  static TensorSource weights(String model) {
    return SafeTensors.open(Fixtures.dir(model).resolve("model.safetensors"));
  }

  @Test
  void configSizesThatDisagreeWithTheWeightsNameTheKeys() throws IOException {
    var config =
        RobertaSeriesConfig.from(
            editedConfig("m9", "\"intermediate_size\": 37", "\"intermediate_size\": 40"));
    var model = new RobertaSeriesModelWithTransformation(config);
    StateDictException e;
    try (TensorSource w = weights("m9")) {
      e = assertThrows(StateDictException.class, () -> model.load(w));
    }
    assertEquals(
        9,
        e.wrongShape().size(),
        e.getMessage()); // intermediate.dense.weight/bias, output.dense.weight x 3 layers
    assertTrue(
        e.getMessage()
            .contains(
                "roberta.encoder.layer.0.intermediate.dense.weight: checkpoint [37, 32], model [40,"
                    + " 32]"),
        e.getMessage());
    assertTrue(e.missing().isEmpty() && e.unexpected().isEmpty(), e.getMessage());
  }

  @Test
  void m18WeightsDoNotLoadIntoAnM9Model() {
    var model =
        new RobertaSeriesModelWithTransformation(
            RobertaSeriesConfig.read(Fixtures.dir("m9").resolve("config.json")));
    StateDictException e;
    try (TensorSource w = weights("m18")) {
      e = assertThrows(StateDictException.class, () -> model.load(w));
    }
    assertEquals(
        java.util.List.of(
            "pre_LN.bias", "pre_LN.weight", "transformation_pre.bias", "transformation_pre.weight"),
        e.unexpected().stream().sorted().toList());
  }

  @Test
  void unsupportedActivationsAreNamed() throws IOException {
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () ->
                RobertaSeriesConfig.from(
                    editedConfig(
                        "m18", "\"hidden_act\": \"gelu\"", "\"hidden_act\": \"gelu_new\"")));
    assertTrue(
        e.getMessage()
            .contains("field 'hidden_act': unsupported activation 'gelu_new'; accepted: gelu"),
        e.getMessage());
    assertTrue(e.getMessage().contains("config.json"), e.getMessage());

    CheckpointException c =
        assertThrows(
            CheckpointException.class,
            () ->
                ClipTextConfig.from(
                    editedConfig(
                        "clip_gelu", "\"hidden_act\": \"gelu\"", "\"hidden_act\": \"relu\"")));
    assertTrue(
        c.getMessage()
            .contains(
                "field 'hidden_act': unsupported activation 'relu'; accepted: gelu, quick_gelu"),
        c.getMessage());
  }

  @Test
  void unsupportedOrInconsistentConfigsAreNamed() throws IOException {
    CheckpointException p =
        assertThrows(
            CheckpointException.class,
            () ->
                RobertaSeriesConfig.from(
                    editedConfig(
                        "m9",
                        "\"position_embedding_type\": \"absolute\"",
                        "\"position_embedding_type\": \"relative_key\"")));
    assertTrue(p.getMessage().contains("position_embedding_type"), p.getMessage());
    CheckpointException h =
        assertThrows(
            CheckpointException.class,
            () ->
                RobertaSeriesConfig.from(
                    editedConfig(
                        "m9", "\"num_attention_heads\": 4", "\"num_attention_heads\": 5")));
    assertTrue(
        h.getMessage().contains("hidden_size 32 is not a multiple of num_attention_heads 5"),
        h.getMessage());
    CheckpointException t =
        assertThrows(
            CheckpointException.class,
            () ->
                ClipTextConfig.from(
                    editedConfig("clip_quick", "\"hidden_size\": 32", "\"hidden_size\": \"32\"")));
    assertTrue(t.getMessage().contains("field 'hidden_size' must be an integer"), t.getMessage());
  }

  @Test
  void absentFieldsTakeTheReferenceDefaults(@TempDir Path dir) {
    RobertaSeriesConfig s =
        RobertaSeriesConfig.from(
            JsonConfig.parse(dir.resolve("config.json"), "{\"has_pre_transformation\": true}"));
    assertEquals(
        new XlmRobertaConfig(30522, 768, 12, 12, 3072, Activation.GELU, 512, 2, 1e-12, 1, 0, 2),
        s.roberta());
    assertEquals(512, s.projectDim());
    assertTrue(s.hasPreTransformation());
    assertEquals("cls", s.poolerFn());
    assertTrue(s.useAttentionMask());
    assertFalse(s.learnEncoder());

    ClipTextConfig c = ClipTextConfig.from(JsonConfig.parse(dir.resolve("config.json"), "{}"));
    assertEquals(
        new ClipTextConfig(
            49408, 512, 2048, 512, 12, 8, 77, Activation.QUICK_GELU, 1e-5, 1, 49406, 49407),
        c);
    assertFalse(c.legacyEosPooling());
    ClipTextConfig nested =
        ClipTextConfig.from(
            JsonConfig.parse(
                dir.resolve("config.json"),
                "{\"model_type\": \"clip\", \"text_config\": {\"hidden_size\": 1024,"
                    + " \"num_attention_heads\": 16, \"hidden_act\": \"gelu\"}}"));
    assertEquals(1024, nested.hiddenSize());
    assertEquals(Activation.GELU, nested.hiddenAct());
  }

  @Test
  void missingWeightsAreNamed(@TempDir Path dir) throws IOException {
    Files.copy(Fixtures.dir("m9").resolve("config.json"), dir.resolve("config.json"));
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () -> RobertaSeriesModelWithTransformation.fromPretrained(dir));
    assertTrue(e.getMessage().contains("no weights found"), e.getMessage());
  }

  @Test
  void badIdsAndMasksGiveClearErrors() {
    try (PointerScope scope = new PointerScope()) {
      var series = RobertaSeriesModelWithTransformation.fromPretrained(Fixtures.dir("m9"));
      var clip = ClipTextModel.fromPretrained(Fixtures.dir("clip_quick"));
      Tensor good = TextInputs.ids(new long[][] {{0, 5, 2}});

      assertMessage(
          series,
          TextInputs.ids(new long[][] {{0, 100, 2}}),
          null,
          "token id 100 outside the vocabulary [0, 100)");
      assertMessage(
          series,
          TextInputs.ids(new long[][] {{0, -1, 2}}),
          null,
          "token id -1 outside the vocabulary [0, 100)");
      assertMessage(
          clip,
          TextInputs.ids(new long[][] {{98, 100, 99}}),
          null,
          "token id 100 outside the vocabulary [0, 100)");
      assertMessage(
          series,
          torch.ones(
              new long[] {1, 79}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Long)),
          null,
          "79 tokens is longer than the 78 this model accepts");
      assertMessage(
          clip,
          torch.ones(
              new long[] {1, 78}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Long)),
          null,
          "78 tokens is longer than the 77 this model accepts");
      assertMessage(
          series,
          Tensors.fromLongs(new long[] {0, 5, 2}, 3),
          null,
          "token ids must be [batch, tokens], got shape [3]");
      assertMessage(
          series,
          Tensors.fromFloats(new float[] {0, 5, 2}, 1, 3),
          null,
          "token ids must be int64 or int32");
      assertMessage(
          series,
          good,
          TextInputs.mask(new long[][] {{1, 1}}),
          "attention mask shape [1, 2] differs from the ids' [1, 3]");
      assertMessage(
          clip,
          good,
          TextInputs.mask(new long[][] {{1, 2, 0}}),
          "attention mask must hold only 0 (padding) and 1 (token)");
      assertThrows(
          IllegalArgumentException.class, () -> TextInputs.ids(new long[][] {{0, 1}, {0}}));
      // int32 ids are accepted and give the int64 result
      assertEquals(
          0.0,
          Tensors.maxAbsDiff(
              series.forward(good.to(torch.ScalarType.Int), null), series.forward(good, null)));
    }
  }

  private static void assertMessage(TextEncoder model, Tensor ids, Tensor mask, String expected) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> model.encode(ids, mask));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
