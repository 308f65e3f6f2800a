package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.keys.formats.LdmSingleFile;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code convert} both ways, standalone VAE files, and what bad single files and configs give: a
 * {@link CheckpointException} saying what is wrong, never a crash.
 */
class SingleFileConverterTest {
  static final Path TINY = Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion");
  static final Path SD1 = SingleFileParityTest.DIR.resolve("sd1");

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void folderToFileAndBackGivesTheSamePictureAndWeights(@TempDir Path tmp) {
    Path file = tmp.resolve("tiny.safetensors");
    SingleFileConverter.toSingleFile(TINY, file);
    ModelComponents folder = PipelineLoader.components(TINY);
    SingleFileOptions options =
        new SingleFileOptions(null, null, false, TINY.resolve("tokenizer"), List.of());
    ModelComponents single = PipelineLoader.components(file, options);
    assertEquals("tiny", single.name());
    assertEquals(10, single.hash().length());
    GenerationRequest request =
        GenerationRequest.builder("ein roter Kreis").steps(3).seed(5L).size(32, 32).build();
    float[] a = pixels(new DiffusionPipeline(folder).generate(request, ProgressListener.NONE));
    float[] b = pixels(new DiffusionPipeline(single).generate(request, ProgressListener.NONE));
    assertArrayEquals(a, b, 1f / 255, "the converted file's picture");

    Path back = tmp.resolve("back");
    SingleFileConverter.toFolder(file, back, options);
    ModelComponents again = PipelineLoader.components(back);
    same(folder.unet(), again.unet());
    same(folder.vae(), again.vae());
    same((Module) folder.textEncoder(), (Module) again.textEncoder());
    assertEquals(folder.scheduler().className(), again.scheduler().className());
  }

  @Test
  void standaloneVaeFilesLoadWithTheModelsScalingFactor(@TempDir Path tmp) {
    ModelComponents m =
        SingleFileLoader.load(SD1.resolve("model.safetensors"), SingleFileOptions.defaults())
            .components();
    Map<String, Tensor> vae = new LinkedHashMap<>();
    try (var s = SafeTensors.open(SD1.resolve("model.safetensors"))) {
      for (String k : s.keys())
        if (k.startsWith(LdmSingleFile.VAE))
          vae.put(k.substring(LdmSingleFile.VAE.length()), s.loadRaw(k));
      vae.put("loss.logvar", s.loadRaw("alphas_cumprod")); // training leftovers are dropped
    }
    Path file = tmp.resolve("vae-ft.safetensors");
    SafeTensors.write(file, vae, Map.of());
    AutoencoderKL loaded = VaeFiles.load(file, 0.5);
    same(m.vae(), loaded);
    assertEquals(0.5, loaded.scalingFactor());
    // a whole checkpoint gives its first_stage_model
    same(m.vae(), VaeFiles.load(SD1.resolve("model.safetensors"), 0.5));
    ModelComponents swapped = VaeFiles.withVae(m, file);
    assertEquals(m.vae().scalingFactor(), swapped.vae().scalingFactor());
  }

  @Test
  void aBfloat16CkptVaeLoadsAsDiffusersConvertsIt() throws Exception {
    var expected =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(SD1.resolve("expected.json").toFile())
            .get("vae_bf16");
    AutoencoderKL vae = VaeFiles.load(SD1.resolve("vae_bf16.ckpt"), 0.18215);
    SingleFileParityTest.sameWeights("vae_bf16.ckpt", expected, vae);
  }

  @Test
  void badSingleFilesSayWhatIsWrong(@TempDir Path tmp) throws Exception {
    byte[] bytes = Files.readAllBytes(SD1.resolve("model.safetensors"));
    Path truncated = tmp.resolve("truncated.safetensors");
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () -> PipelineLoader.components(truncated, SingleFileOptions.defaults()));
    assertTrue(e.getMessage().contains("truncated.safetensors"), e.getMessage());

    Path unknown = tmp.resolve("unknown.safetensors");
    SafeTensors.write(
        unknown, Map.of("foo.weight", org.bytedeco.pytorch.global.torch.zeros(2)), Map.of());
    e =
        assertThrows(
            CheckpointException.class,
            () -> PipelineLoader.components(unknown, SingleFileOptions.defaults()));
    assertTrue(e.getMessage().contains("not a Stable Diffusion"), e.getMessage());
    assertTrue(e.getMessage().contains("'foo.weight'"), e.getMessage());
    Path component = TINY.resolve("unet/diffusion_pytorch_model.safetensors");
    e =
        assertThrows(
            CheckpointException.class,
            () -> PipelineLoader.components(component, SingleFileOptions.defaults()));
    assertTrue(e.getMessage().contains("one component of a diffusers folder"), e.getMessage());
    e = assertThrows(CheckpointException.class, () -> VaeFiles.load(unknown, 0.18215));
    assertTrue(e.getMessage().contains("not a VAE"), e.getMessage());

    Path alone = tmp.resolve("alone.safetensors");
    Files.copy(SD1.resolve("model.safetensors"), alone);
    e =
        assertThrows(
            CheckpointException.class,
            () -> PipelineLoader.components(alone, SingleFileOptions.defaults()));
    assertTrue(e.getMessage().contains("--tokenizer DIR"), e.getMessage());
  }

  @Test
  void aYamlThatDisagreesWithTheWeightsIsAnError(@TempDir Path tmp) throws Exception {
    Path dir = SingleFileParityTest.DIR.resolve("sd2v");
    String yaml = Files.readString(dir.resolve("model.yaml"));
    Path wrong = tmp.resolve("wrong.yaml");
    Files.writeString(
        wrong,
        yaml.replace("context_dim: 64", "context_dim: 1024")
            .replace("FrozenOpenCLIPEmbedder", "FrozenCLIPEmbedder"));
    SingleFileOptions options = new SingleFileOptions(wrong, null, false, null, List.of());
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () -> PipelineLoader.components(dir.resolve("model.safetensors"), options));
    assertTrue(e.getMessage().contains("disagrees with the weights"), e.getMessage());
    assertTrue(e.getMessage().contains("unet context_dim 1024, weights 64"), e.getMessage());
    assertTrue(e.getMessage().contains("FrozenCLIPEmbedder"), e.getMessage());
    Path notYaml = tmp.resolve("bad.yaml");
    Files.writeString(notYaml, "model: [unclosed");
    SingleFileOptions bad = new SingleFileOptions(notYaml, null, false, null, List.of());
    e =
        assertThrows(
            CheckpointException.class,
            () -> PipelineLoader.components(dir.resolve("model.safetensors"), bad));
    assertTrue(e.getMessage().contains("YAML"), e.getMessage());
  }

  @Test
  void predictionTypeOverrides() {
    Path dir = SingleFileParityTest.DIR.resolve("sd1");
    SingleFileOptions v = new SingleFileOptions(null, "v_prediction", false, null, List.of());
    assertEquals(
        "v_prediction",
        PipelineLoader.components(dir.resolve("model.safetensors"), v)
            .scheduler()
            .predictionType());
    assertThrows(
        IllegalArgumentException.class,
        () -> new SingleFileOptions(null, "vee", false, null, List.of()));
  }

  private static void same(Module expected, Module actual) {
    Map<String, Tensor> a = expected.stateDict();
    Map<String, Tensor> b = actual.stateDict();
    assertEquals(a.keySet(), b.keySet());
    for (String k : a.keySet()) assertTrue(a.get(k).equal(b.get(k)), k);
  }

  private static float[] pixels(List<GeneratedImage> images) {
    return SingleFileParityTest.pixels(images.get(0).image());
  }
}
