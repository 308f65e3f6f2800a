package org.altdiffusion.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.JsonConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TCD's timesteps against diffusers 0.30.3 over every recorded configuration
 * (tools/reference/make_tcd_fixtures.py); its trajectories are replayed by {@link
 * SchedulerParityTest}.
 */
class TCDSchedulerTest {
  static JsonNode sets;

  @BeforeAll
  static void load() throws IOException {
    Torch.init();
    sets =
        new ObjectMapper()
            .readTree(SchedulerParityTest.DIR.resolve("tcd").resolve("schedules.json").toFile());
  }

  @Test
  void timestepsEqualDiffusersExactlyAndRefusalsMatch() {
    int compared = 0, refused = 0;
    for (JsonNode set : sets) {
      SchedulerConfig config =
          SchedulerConfig.parse(
              JsonConfig.parse(Path.of("schedules.json"), set.get("config").toString()));
      try (Scheduler tcd = Samplers.create(config)) {
        for (int k = 0; k < set.get("steps").size(); k++) {
          int steps = set.get("steps").get(k).asInt();
          JsonNode want = set.get("timesteps").get(k);
          String where = set.get("config") + " steps " + steps;
          if (want.isTextual()) {
            assertThrows(IllegalArgumentException.class, () -> tcd.setTimesteps(steps), where);
            refused++;
            continue;
          }
          tcd.setTimesteps(steps);
          double[] expected = new double[want.size()];
          for (int i = 0; i < expected.length; i++) expected[i] = want.get(i).asDouble();
          assertArrayEquals(expected, tcd.timesteps(), where);
          compared++;
        }
      }
    }
    assertTrue(compared >= 300, compared + " configurations compared");
    assertTrue(refused > 0);
  }

  @Test
  void gammaOutsideZeroToOneIsRefused() {
    try (Scheduler tcd =
        Samplers.byName("TCD", SchedulerConfigTest.parse(SchedulerConfigTest.M18))) {
      var e = assertThrows(IllegalArgumentException.class, () -> tcd.setEta(1.5));
      assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
      tcd.setEta(1.0);
      assertEquals(1.0, ((TCDScheduler) tcd).eta());
    }
  }

  @Test
  void takesItsOwnDefaultsAndTheModelsSchedule() {
    SchedulerConfig own = SchedulerConfig.of(SchedulerConfig.TCD, Map.of());
    assertEquals("scaled_linear", own.betaSchedule());
    assertEquals(0.00085, own.betaStart());
    assertEquals(50, own.originalInferenceSteps());
    assertTrue(own.setAlphaToOne());
    assertEquals("TCD", Samplers.requireKnown("TCDScheduler"));
    assertEquals("TCD", Samplers.requireKnown("tcd"));
  }
}
