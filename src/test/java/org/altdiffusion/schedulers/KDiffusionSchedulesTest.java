package org.altdiffusion.schedulers;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.io.SafeTensors;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The sigma and timestep of every model evaluation, for the k-diffusion samplers on each A1111
 * schedule type (recorded from k-diffusion's own sampler functions) and for the diffusers samplers
 * on the new schedule types (diffusers' Karras path with the schedule's sigmas), over the step
 * counts of tools/reference/make_kdiffusion_fixtures.py; and our inverse incomplete beta against
 * scipy.
 */
class KDiffusionSchedulesTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/schedulers/kdiffusion");

  /** Relative bound on sigmas (float32 values). */
  static final double RELATIVE = 5e-7;

  /**
   * Bound on fractional timesteps, relative above 1 (as SchedulerParityTest): k-diffusion's float32
   * sigma_to_t divides log differences of 1e-2 or less, where 1-ulp differences of the log show.
   */
  static final double TIMESTEP = 1e-5;

  /** float32's relative rounding error, 2^-23. */
  static final double ULP = 0x1p-23;

  static JsonNode fixture;
  static SafeTensors.Reader tensors;
  static final Map<String, double[]> worst = new TreeMap<>();

  @BeforeAll
  static void load() throws IOException {
    Torch.init();
    fixture = new ObjectMapper().readTree(DIR.resolve("schedules.json").toFile());
    tensors = SafeTensors.open(DIR.resolve("schedules.safetensors"));
  }

  @AfterAll
  static void report() {
    tensors.close();
    worst.forEach(
        (k, v) ->
            System.out.printf(
                "k-diffusion schedules %-48s configs %4.0f  timestep %.2e  sigma rel %.2e%n",
                k, v[2], v[0], v[1]));
  }

  @TestFactory
  Stream<DynamicTest> schedules() {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode e : fixture.get("schedules"))
      tests.add(DynamicTest.dynamicTest(e.get("key").asText(), () -> check(e)));
    return tests.stream();
  }

  private static void check(JsonNode e) {
    ObjectNode root = ((ObjectNode) fixture.get("base").deepCopy());
    root.put("_class_name", e.get("class").asText());
    root.setAll((ObjectNode) e.get("config"));
    SchedulerConfig config =
        SchedulerConfig.parse(JsonConfig.parse(Path.of(e.get("key").asText()), root.toString()));
    String key = e.get("key").asText();
    boolean integer = e.get("timestep_dtype").asText().startsWith("int");
    double[] errors = worst.computeIfAbsent(key, k -> new double[3]);
    try (PointerScope scope = new PointerScope();
        Scheduler scheduler = Samplers.create(config)) {
      float[] allSigmas = Tensors.toFloats(tensors.load(key + "/sigmas"));
      double[] allT =
          doubles(
              tensors
                  .load(key + "/timesteps")
                  .to(org.bytedeco.pytorch.global.torch.ScalarType.Double));
      int sOffset = 0;
      int tOffset = 0;
      for (int j = 0; j < e.get("steps").size(); j++) {
        int steps = e.get("steps").get(j).asInt();
        int evaluations = e.get("evaluations").get(j).asInt();
        String what = key + " " + steps + " steps";
        scheduler.setTimesteps(steps);
        double[] t = scheduler.timesteps();
        double[] sigmas = scheduler.sigmas();
        assertEquals(evaluations, t.length, what + ": evaluations");
        int sigmaCount = e.get("sigma_counts").get(j).asInt();
        assertEquals(sigmaCount, sigmas.length, what + ": sigmas");
        for (int i = 0; i < sigmas.length; i++) {
          double expected = allSigmas[sOffset + i];
          double rel =
              expected == 0 ? Math.abs(sigmas[i]) : Math.abs(sigmas[i] - expected) / expected;
          errors[1] = Math.max(errors[1], rel);
          double bound = RELATIVE + (midpoint(scheduler, i) ? cancellation(sigmas, i) : 0);
          assertTrue(rel <= bound, what + ": sigma " + i + " " + sigmas[i] + " vs " + expected);
        }
        for (int i = 0; i < t.length; i++) {
          double expected = allT[tOffset + i];
          double err = Math.abs(t[i] - expected);
          errors[0] = Math.max(errors[0], err / Math.max(1, Math.abs(expected)));
          boolean tie = Math.rint(expected) == expected && tie(config, sigmas[i]);
          if (integer || tie) {
            assertEquals(expected, t[i], tie ? 1.0 : 0.0, what + ": timestep " + i + " (tie)");
            continue;
          }
          // a midpoint's timestep is checked for what its sigma's difference explains
          double explained = 0;
          if (midpoint(scheduler, i)) {
            float[] logSigmas = ((KDiffusionSigmaScheduler) scheduler).logSigmas;
            explained =
                Math.abs(
                    KDiffusionSchedules.sigmaToT((float) sigmas[i], logSigmas)
                        - KDiffusionSchedules.sigmaToT((float) allSigmas[sOffset + i], logSigmas));
          } else if (config.className().equals(SchedulerConfig.KDPM2_ANCESTRAL) && i % 2 == 1) {
            // diffusers' DPM2 a midpoints cancel the same way (see SchedulerParityTest): their
            // sigma's bound over the train schedule's smallest log-sigma step
            explained = cancellation(sigmas, i) / smallestLogStep(config);
          }
          assertEquals(
              expected,
              t[i],
              TIMESTEP * Math.max(1, Math.abs(expected)) + explained,
              what + ": t " + i);
        }
        errors[2]++;
        sOffset += sigmaCount;
        tOffset += evaluations;
      }
      assertEquals(allSigmas.length, sOffset, key + ": every recorded sigma compared");
    }
  }

  /** Whether index i of a DPM++ 2S a schedule is a step's midpoint evaluation. */
  private static boolean midpoint(Scheduler scheduler, int i) {
    return scheduler instanceof DPMPP2SAncestralScheduler a
        && i < scheduler.timesteps().length
        && a.isMidpoint(i);
  }

  /**
   * The extra error a midpoint inherits from sigma_down = sqrt(to² - up²), which cancels: a 1-ulp
   * difference in sigma_up (Python torch's float32 sqrt is not correctly rounded: MKL) moves
   * sigma_down² by about 2 (from / to)² ulps, the midpoint sqrt(from * down) by half that.
   */
  static double cancellation(double[] sigmas, int i) {
    double from = sigmas[i - 1];
    double to = sigmas[i + 1];
    return to == 0 ? 0 : 2 * ULP * (from / to) * (from / to);
  }

  private static double smallestLogStep(SchedulerConfig config) {
    float[] train = ScheduleMath.trainSigmas(NoiseSchedule.of(config).alphasCumprod());
    double smallest = Double.MAX_VALUE;
    for (int k = 1; k < train.length; k++)
      smallest = Math.min(smallest, Math.log(train[k]) - Math.log(train[k - 1]));
    return smallest;
  }

  /**
   * Whether diffusers rounds a .5 tie at this sigma: its timestep is within 1e-3 of half a train
   * step (numpy's float32 log, not correctly rounded, decides those; ours is).
   */
  private static boolean tie(SchedulerConfig config, double sigma) {
    float[] train = ScheduleMath.trainSigmas(NoiseSchedule.of(config).alphasCumprod());
    double t = ScheduleMath.sigmaToT(sigma, ScheduleMath.logFloat32(train));
    return Math.abs(t - Math.floor(t) - 0.5) < 1e-3;
  }

  /** scipy.stats.beta.ppf at 1,500 points against our inverse incomplete beta. */
  @Test
  void betaQuantilesMatchScipy() throws IOException {
    JsonNode points = new ObjectMapper().readTree(DIR.resolve("beta.json").toFile());
    double worstRel = 0;
    for (JsonNode p : points) {
      double q = p.get(0).asDouble();
      double a = p.get(1).asDouble();
      double b = p.get(2).asDouble();
      double expected = p.get(3).asDouble();
      double actual = BetaDistribution.ppf(q, a, b);
      double err = Math.abs(actual - expected);
      double rel = expected == 0 ? err : err / Math.abs(expected);
      worstRel = Math.max(worstRel, Math.min(rel, err));
      assertTrue(
          rel <= 1e-10 || err <= 1e-15,
          "ppf(" + q + ", " + a + ", " + b + ") = " + actual + ", scipy " + expected);
    }
    System.out.printf("beta ppf vs scipy: %d points, worst error %.2e%n", points.size(), worstRel);
  }

  @Test
  void betaCdfInvertsPpf() {
    for (double q = 0.001; q < 1; q += 0.0137) {
      double x = BetaDistribution.ppf(q, 0.6, 0.6);
      assertEquals(q, BetaDistribution.cdf(x, 0.6, 0.6), 1e-13, "cdf(ppf(" + q + "))");
    }
    assertEquals(0.5, BetaDistribution.ppf(0.5, 0.6, 0.6), 1e-15, "symmetric: the median is 1/2");
    assertThrows(IllegalArgumentException.class, () -> BetaDistribution.ppf(1.5, 0.6, 0.6));
  }

  private static double[] doubles(org.bytedeco.pytorch.Tensor t) {
    int n = (int) t.numel();
    double[] out = new double[n];
    org.bytedeco.pytorch.Tensor c = t.contiguous();
    c.data_ptr_double().get(out);
    return out;
  }
}
