package org.altdiffusion.schedulers;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.io.SafeTensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Training helpers and the LMS quadrature against diffusers / scipy. */
class NoiseScheduleTest {
  static JsonNode fixture;
  static SafeTensors.Reader tensors;

  @BeforeAll
  static void load() throws IOException {
    Torch.init();
    fixture = new ObjectMapper().readTree(SchedulerParityTest.DIR.resolve("noise.json").toFile());
    tensors = SafeTensors.open(SchedulerParityTest.DIR.resolve("tensors.safetensors"));
  }

  @AfterAll
  static void close() {
    tensors.close();
  }

  @Test
  void betasAlphasAddNoiseAndVelocityMatchDiffusers() {
    double worstSchedule = 0;
    double worstNoise = 0;
    try (PointerScope scope = new PointerScope()) {
      Tensor sample = tensors.load("noise/sample");
      Tensor noise = tensors.load("noise/noise");
      for (JsonNode c : fixture.get("noise")) {
        String id = c.get("id").asText();
        SchedulerConfig config =
            SchedulerConfig.parse(JsonConfig.parse(Path.of(id), c.get("config").toString()));
        NoiseSchedule schedule = NoiseSchedule.of(config);
        int n = schedule.numTrainTimesteps();
        double b =
            Tensors.maxAbsDiff(
                tensors.load("noise/" + id + "/betas"), Tensors.fromFloats(schedule.betas(), n));
        double a =
            Tensors.maxAbsDiff(
                tensors.load("noise/" + id + "/alphas_cumprod"),
                Tensors.fromFloats(schedule.alphasCumprod(), n));
        worstSchedule = Math.max(worstSchedule, Math.max(a, b));
        // Rescaling to zero SNR divides tiny cumulative products; libtorch's float sqrt differs by
        // an
        // ulp between the Python build (MKL) and ours, which shows at 1e-6 there.
        double bound = config.rescaleBetasZeroSnr() ? 1e-5 : 1e-7;
        assertTrue(b <= bound && a <= bound, id + ": betas " + b + ", alphas_cumprod " + a);
        System.out.printf("noise schedule %s: betas max abs %.2e, alphas_cumprod %.2e%n", id, b, a);
        long[] t1 = longs(c.get("timesteps"));
        long[] t2 = longs(c.get("timesteps2"));
        worstNoise =
            Math.max(
                worstNoise,
                check(
                    id + " add_noise",
                    "noise/" + id + "/add_noise",
                    schedule.addNoise(sample, noise, t1)));
        worstNoise =
            Math.max(
                worstNoise,
                check(
                    id + " add_noise",
                    "noise/" + id + "/add_noise2",
                    schedule.addNoise(sample, noise, Tensors.fromLongs(t2, t2.length))));
        worstNoise =
            Math.max(
                worstNoise,
                check(
                    id + " velocity",
                    "noise/" + id + "/velocity",
                    schedule.getVelocity(sample, noise, t1)));
        worstNoise =
            Math.max(
                worstNoise,
                check(
                    id + " velocity",
                    "noise/" + id + "/velocity2",
                    schedule.getVelocity(sample, noise, t2)));
      }
    }
    System.out.printf(
        "noise schedule: betas/alphas_cumprod max abs %.2e; add_noise/get_velocity max abs %.2e%n",
        worstSchedule, worstNoise);
  }

  @Test
  void trainingHelpersRejectBadTimesteps() {
    NoiseSchedule schedule = NoiseSchedule.of(SchedulerConfig.of(SchedulerConfig.DDIM, Map.of()));
    Tensor x = Tensors.fromFloats(new float[8], 2, 4);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> schedule.addNoise(x, x, 1000));
    assertTrue(e.getMessage().contains("[0, 999]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> schedule.addNoise(x, x, 1, 2, 3));
    assertTrue(e.getMessage().contains("one per batch element"), e.getMessage());
  }

  @Test
  void lmsCoefficientsMatchScipyQuad() {
    SchedulerConfig m18 = SchedulerParityTest.configOf(m18Case());
    double worstQuadrature = 0;
    double worstOwnSigmas = 0;
    int count = 0;
    for (JsonNode c : fixture.get("lms_coefficients")) {
      LMSDiscreteScheduler lms =
          (LMSDiscreteScheduler) Samplers.byName(c.get("sampler").asText(), m18);
      lms.setTimesteps(c.get("steps").asInt());
      double[] reference = SchedulerParityTest.doubles(c.get("sigmas"));
      float[] referenceSigmas = new float[reference.length];
      for (int i = 0; i < reference.length; i++) referenceSigmas[i] = (float) reference[i];
      for (JsonNode row : c.get("coefficients")) {
        int t = row.get(0).asInt();
        int order = row.size() - 1;
        for (int k = 0; k < order; k++) {
          double expected = row.get(k + 1).asDouble();
          String what = c.get("sampler").asText() + " step " + t + " node " + k;
          // The quadrature itself, on diffusers' own sigmas: agrees to rounding.
          double quadrature = LMSDiscreteScheduler.lmsCoefficient(referenceSigmas, order, t, k);
          double rel = Math.abs(quadrature - expected) / Math.max(Math.abs(expected), 1e-12);
          worstQuadrature = Math.max(worstQuadrature, rel);
          assertTrue(rel <= 1e-9, what + " on reference sigmas: " + quadrature + " vs " + expected);
          // On our sigmas: their 1-ulp sqrt differences show, most where nodes are close (1000
          // steps).
          double own = lms.lmsCoefficient(order, t, k);
          double absOwn = Math.abs(own - expected);
          worstOwnSigmas = Math.max(worstOwnSigmas, absOwn);
          assertTrue(absOwn <= 1e-5, what + ": " + own + " vs " + expected);
          count++;
        }
      }
    }
    System.out.printf(
        "LMS coefficients: %d vs scipy.integrate.quad: max rel %.2e on diffusers' sigmas, max abs"
            + " %.2e on ours%n",
        count, worstQuadrature, worstOwnSigmas);
  }

  @Test
  void adaptiveQuadratureBisectsWhereNeeded() {
    // sqrt has an unbounded derivative at 0: one Gauss-Kronrod rule is not enough, bisection is.
    assertEquals(2.0 / 3.0, ScheduleMath.integrate(Math::sqrt, 0, 1, 1e-10), 1e-9);
    assertEquals(2.0, ScheduleMath.integrate(Math::sin, 0, Math.PI, 1e-12), 1e-13);
    assertEquals(
        -2.0,
        ScheduleMath.integrate(Math::sin, Math.PI, 0, 1e-12),
        1e-13); // reversed bounds, as LMS uses
  }

  static JsonNode m18Case() {
    try {
      JsonNode cases =
          new ObjectMapper()
              .readTree(SchedulerParityTest.DIR.resolve("cases.json").toFile())
              .get("cases");
      for (JsonNode c : cases) if (c.get("id").asText().equals("m18_eps_PNDM_7")) return c;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("m18 case missing");
  }

  private static double check(String what, String key, Tensor actual) {
    double err = Tensors.maxAbsDiff(tensors.load(key), actual);
    assertTrue(err <= 1e-6, what + ": " + err);
    return err;
  }

  private static long[] longs(JsonNode array) {
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).asLong();
    return out;
  }
}
