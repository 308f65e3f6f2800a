package org.altdiffusion.io;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.models.text.ClipTextConfig;
import org.altdiffusion.models.text.RobertaSeriesConfig;
import org.altdiffusion.models.unet.UNet2DConditionConfig;
import org.altdiffusion.models.vae.AutoencoderKLConfig;
import org.altdiffusion.schedulers.SchedulerConfig;
import org.altdiffusion.testing.FuzzOutcome;

/**
 * Coverage-guided fuzzing (Jazzer) of {@code model_index.json} and every component config we read:
 * the JSON parser (Python's json rules) and each typed config's checks. An input is read into a
 * config or refused with a {@link CheckpointException}; corpus in {@code ConfigsFuzzTestInputs/}.
 */
class ConfigsFuzzTest {
  private static final Path FILE = Path.of("config.json");

  /** The last byte picks the reader, the rest is the file's text. */
  @FuzzTest(maxDuration = "10m")
  void config(FuzzedDataProvider data) {
    int kind = data.consumeInt(0, 5);
    String text = new String(data.consumeRemainingAsBytes(), StandardCharsets.UTF_8);
    FuzzOutcome.acceptedOrRefused(
        List.of(CheckpointException.class), () -> read(kind, JsonConfig.parse(FILE, text)));
  }

  private static void read(int kind, JsonConfig json) {
    switch (kind) {
      case 0 -> DiffusersLayout.parseIndex(json);
      case 1 -> UNet2DConditionConfig.from(json);
      case 2 -> AutoencoderKLConfig.from(json);
      case 3 -> SchedulerConfig.parse(json);
      case 4 -> ClipTextConfig.from(json);
      default -> RobertaSeriesConfig.from(json);
    }
  }
}
