package org.altdiffusion.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.altdiffusion.engine.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The one sampler table: aliases, schedule types, display names, errors. */
class SamplerTableTest {
  static SchedulerConfig m18;

  @BeforeAll
  static void init() {
    Torch.init();
    m18 = SchedulerConfigTest.parse(SchedulerConfigTest.M18);
  }

  @Test
  void a1111AliasesResolveToTheirRows() {
    assertEquals("Euler a", Samplers.requireKnown("k_euler_a"));
    assertEquals("Euler a", Samplers.requireKnown("k_euler_ancestral"));
    assertEquals("DPM++ 2M Karras", Samplers.requireKnown("k_dpmpp_2m_ka"));
    assertEquals("LMS", Samplers.requireKnown("LMSDiscreteScheduler"));
    assertEquals("DPM++ 2M", Samplers.requireKnown("DPMSolverMultistepScheduler"));
  }

  @Test
  void noNameOrAliasIsClaimedTwice() {
    Set<String> seen = new HashSet<>();
    for (Samplers.Entry e : Samplers.entries()) {
      Set<String> own = new HashSet<>(); // A1111 lists "ddim" as DDIM's alias: one row is fine
      own.add(e.name().toLowerCase().replaceAll("[\\s_\\-]", ""));
      for (String a : e.aliases()) own.add(a.toLowerCase().replaceAll("[\\s_\\-]", ""));
      for (String key : own) assertTrue(seen.add(key), "claimed by two rows: " + key);
    }
  }

  @Test
  void karrasScheduleTypeEqualsTheKarrasRow() {
    SamplerChoice both = Samplers.resolve("DPM++ 2M", "Karras");
    SchedulerConfig viaType = both.config(m18);
    SchedulerConfig viaName = Samplers.configFor("DPM++ 2M Karras", m18);
    assertTrue(viaType.useKarrasSigmas());
    assertEquals(viaName.className(), viaType.className());
    assertEquals(viaName.algorithmType(), viaType.algorithmType());
    assertEquals("DPM++ 2M Karras", both.displayName(m18));
    assertEquals("Karras", both.scheduleType());
    // Euler has no Karras row, but diffusers' Euler takes use_karras_sigmas
    SamplerChoice euler = Samplers.resolve("euler", "karras");
    assertTrue(euler.config(m18).useKarrasSigmas());
    assertEquals("Euler", euler.displayName(m18));
    assertEquals(
        "DPM++ 2M SDE Karras", Samplers.resolve("DPM++ 2M SDE", "Karras").displayName(m18));
    assertEquals(
        "sde-dpmsolver++", Samplers.resolve("DPM++ 2M SDE", "Karras").config(m18).algorithmType());
  }

  @Test
  void automaticIsTheSamplersOwnSchedule() {
    SamplerChoice auto = Samplers.resolve("DPM++ 2M", "Automatic");
    assertFalse(auto.config(m18).useKarrasSigmas());
    assertNull(auto.scheduleType());
    SamplerChoice own = Samplers.resolve(null, null);
    assertSame(m18, own.config(m18), "the model's own scheduler, untouched");
    assertEquals("PNDM", own.displayName(m18));
  }

  @Test
  void unknownNamesAndSchedulesSayWhatIsAccepted() {
    var e = assertThrows(IllegalArgumentException.class, () -> Samplers.resolve("Restart", null));
    assertTrue(
        e.getMessage().contains("\"Euler a\"") && e.getMessage().contains("k_"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Samplers.resolve("Euler", "Normal"));
    assertTrue(
        e.getMessage().contains("Automatic") && e.getMessage().contains("Karras"), e.getMessage());
    SamplerChoice ddimKarras = Samplers.resolve("DDIM", "Karras");
    e = assertThrows(IllegalArgumentException.class, () -> ddimKarras.config(m18));
    assertTrue(e.getMessage().contains("not available for DDIM"), e.getMessage());
  }
}
