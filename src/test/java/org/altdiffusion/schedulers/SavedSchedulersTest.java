package org.altdiffusion.schedulers;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.altdiffusion.engine.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * scheduler_config.json of every scheduler class we run, exactly as diffusers' save_pretrained
 * writes it (tools/reference/make_saved_folder_fixtures.py: every key of the class, the DPM one
 * with {@code "lambda_min_clipped": -Infinity}), read by {@link SchedulerConfig#read}: the
 * timesteps and sigmas must be those diffusers gives after from_pretrained of the same file.
 */
class SavedSchedulersTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/saved/schedulers");

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @TestFactory
  Stream<DynamicTest> savedConfigsGiveDiffusersSchedules() throws IOException {
    JsonNode records = new ObjectMapper().readTree(DIR.resolve("schedulers.json").toFile());
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode r : records) {
      String folder = r.get("folder").asText();
      int steps = r.get("steps").asInt();
      tests.add(
          DynamicTest.dynamicTest(
              folder + " " + steps + " steps",
              () -> {
                SchedulerConfig config =
                    SchedulerConfig.read(DIR.resolve(folder).resolve("scheduler_config.json"));
                check(folder, config, steps, r);
                if (folder.equals("DPMSolverMultistepScheduler-karras")) {
                  // the same schedule as a sampler chosen by name on the plain DPM file
                  SchedulerConfig plain =
                      SchedulerConfig.read(
                          DIR.resolve("DPMSolverMultistepScheduler/scheduler_config.json"));
                  check(
                      "DPM++ 2M Karras on " + folder,
                      Samplers.configFor("DPM++ 2M Karras", plain),
                      steps,
                      r);
                }
              }));
    }
    return tests.stream();
  }

  private static void check(String what, SchedulerConfig config, int steps, JsonNode r) {
    try (Scheduler s = Samplers.create(config)) {
      s.setTimesteps(steps);
      double[] t = s.timesteps();
      JsonNode expectedT = r.get("timesteps");
      assertEquals(expectedT.size(), t.length, what + ": number of timesteps");
      for (int i = 0; i < t.length; i++)
        assertEquals(expectedT.get(i).asDouble(), t[i], 1e-3, what + ": timestep " + i);
      JsonNode expectedS = r.get("sigmas");
      if (expectedS.isNull()) return;
      double[] sigmas = s.sigmas();
      assertEquals(expectedS.size(), sigmas.length, what + ": number of sigmas");
      for (int i = 0; i < sigmas.length; i++) {
        double want = expectedS.get(i).asDouble();
        assertEquals(want, sigmas[i], 1e-6 * Math.max(Math.abs(want), 1e-6), what + ": sigma " + i);
      }
    }
  }
}
