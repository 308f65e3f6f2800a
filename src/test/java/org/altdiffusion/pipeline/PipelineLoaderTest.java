package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.altdiffusion.io.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineLoaderTest {
  static final Path TINY = Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion");

  static Path copy(Path to) throws IOException {
    try (Stream<Path> files = Files.walk(TINY)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(TINY.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(target);
        else Files.copy(p, target);
      }
    }
    return to;
  }

  @Test
  void missingComponentIsNamed(@TempDir Path tmp) throws IOException {
    Path model = copy(tmp.resolve("m"));
    try (Stream<Path> s = Files.walk(model.resolve("vae"))) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> PipelineLoader.load(model));
    assertTrue(e.getMessage().contains("vae"), e.getMessage());
  }

  @Test
  void unsupportedConfigFieldIsNamed(@TempDir Path tmp) throws IOException {
    Path model = copy(tmp.resolve("m"));
    Path config = model.resolve("unet/config.json");
    Files.writeString(
        config,
        Files.readString(config)
            .replace("\"class_embed_type\": null", "\"class_embed_type\": \"timestep\""));
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> PipelineLoader.load(model));
    assertTrue(e.getMessage().contains("class_embed_type"), e.getMessage());
  }

  @Test
  void unknownPipelineClassIsNamed(@TempDir Path tmp) throws IOException {
    Path model = copy(tmp.resolve("m"));
    Path index = model.resolve("model_index.json");
    Files.writeString(
        index,
        Files.readString(index).replace("AltDiffusionPipeline", "StableDiffusionXLPipeline"));
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> PipelineLoader.load(model));
    assertTrue(e.getMessage().contains("StableDiffusionXLPipeline"), e.getMessage());
  }
}
