package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A1111 1.9+ clients send the schedule type apart from the sampler: it is honoured, or refused. */
class SchedulerFieldTest {
  ApiServer server;

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  @Test
  void karrasReachesThePipelineAndItsInfotext() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 32, "m18"));
    Http.Res r =
        Http.post(
            server.url() + "/sdapi/v1/txt2img",
            "{\"prompt\":\"x\",\"steps\":2,\"sampler_name\":\"k_euler\",\"scheduler\":\"Karras\"}");
    assertEquals(200, r.status(), r.body());
    JsonNode info = Http.JSON.readTree(r.json().get("info").textValue());
    String infotext = info.get("infotexts").get(0).textValue();
    assertTrue(infotext.contains("Sampler: Euler, Schedule type: Karras"), infotext);
    assertTrue(info.path("warnings").toString().indexOf("scheduler") < 0, info.toString());
  }

  @Test
  void automaticAndAbsentAreTheSamplersOwn() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 32, "m18"));
    for (String field : new String[] {"", ",\"scheduler\":\"Automatic\""}) {
      Http.Res r =
          Http.post(
              server.url() + "/sdapi/v1/txt2img",
              "{\"prompt\":\"x\",\"steps\":1,\"sampler_name\":\"Euler\"" + field + "}");
      assertEquals(200, r.status(), r.body());
      String infotext =
          Http.JSON.readTree(r.json().get("info").textValue()).get("infotexts").get(0).textValue();
      assertTrue(!infotext.contains("Schedule type"), infotext);
    }
  }

  @Test
  void anUnknownScheduleTypeIsA422NamingTheAcceptedOnes() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 32, "m18"));
    Http.Res r =
        Http.post(
            server.url() + "/sdapi/v1/txt2img",
            "{\"prompt\":\"x\",\"steps\":1,\"scheduler\":\"Simple\"}");
    assertEquals(422, r.status(), r.body());
    assertTrue(r.body().contains("Karras") && r.body().contains("Automatic"), r.body());
  }

  @Test
  void theSchedulersListOffersWhatRuns() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 32, "m18"));
    JsonNode list = Http.get(server.url() + "/sdapi/v1/schedulers").json();
    assertEquals(12, list.size());
    assertEquals("karras", list.get(1).get("name").textValue());
    assertEquals("sgm_uniform", list.get(2).get("name").textValue());
    assertEquals("SGM Uniform", list.get(2).get("label").textValue());
    assertTrue(list.toString().contains("\"align_your_steps\""), list.toString());
    assertTrue(list.toString().contains("\"Beta\""), list.toString());
  }

  @Test
  void a1111sOtherScheduleTypesAreAccepted() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 32, "m18"));
    for (String type : new String[] {"Exponential", "Beta", "Align Your Steps", "kl_optimal"}) {
      Http.Res r =
          Http.post(
              server.url() + "/sdapi/v1/txt2img",
              "{\"prompt\":\"x\",\"steps\":2,\"sampler_name\":\"Euler\",\"scheduler\":\""
                  + type
                  + "\"}");
      assertEquals(200, r.status(), r.body());
      String infotext =
          Http.JSON.readTree(r.json().get("info").textValue()).get("infotexts").get(0).textValue();
      assertTrue(infotext.contains("Schedule type: "), infotext);
    }
  }
}
