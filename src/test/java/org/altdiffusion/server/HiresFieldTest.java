package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** txt2img's hires fix fields, as webuiapi sends them, through the server to the generator. */
class HiresFieldTest {
  ApiServer server;

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  private Http.Res post(String body) throws Exception {
    return Http.post(server.url() + "/sdapi/v1/txt2img", body);
  }

  private static void assertRefused(Http.Res r, String part) {
    assertEquals(422, r.status(), r.body());
    assertTrue(r.body().contains(part), "expected '" + part + "' in " + r.body());
  }

  @Test
  void aWebuiapiHiresRequestReturnsThePictureTwiceTheSize() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 32, "m18"));
    // webuiapi's txt2img body with enable_hr=True, hr_scale=2 (its other hires defaults)
    Http.Res r =
        post(
            "{\"prompt\":\"a castle\",\"steps\":2,\"width\":40,\"height\":24,\"enable_hr\":true,"
                + "\"hr_scale\":2,\"hr_upscaler\":\"Latent\",\"hr_second_pass_steps\":0,"
                + "\"hr_resize_x\":0,\"hr_resize_y\":0,\"denoising_strength\":0.7,"
                + "\"firstphase_width\":0,\"firstphase_height\":0,\"hr_prompt\":\"\","
                + "\"hr_negative_prompt\":\"\",\"hr_sampler_name\":null}");
    assertEquals(200, r.status(), r.body());
    BufferedImage image =
        ImageIO.read(
            new ByteArrayInputStream(
                Base64.getDecoder().decode(r.json().get("images").get(0).textValue())));
    assertEquals(80, image.getWidth());
    assertEquals(48, image.getHeight());
    JsonNode info = Http.JSON.readTree(r.json().get("info").textValue());
    String infotext = info.get("infotexts").get(0).textValue();
    assertTrue(infotext.contains("Size: 40x24"), infotext);
    assertTrue(infotext.contains("Denoising strength: 0.7"), infotext);
    assertTrue(infotext.contains("Hires upscale: 2"), infotext);
    assertTrue(infotext.contains("Hires upscaler: Latent"), infotext);
    assertFalse(infotext.contains("Hires steps"), infotext);
    assertTrue(r.json().get("parameters").get("enable_hr").booleanValue());

    Http.Res plain = post("{\"prompt\":\"a castle\",\"steps\":2,\"width\":40,\"height\":24}");
    assertEquals(200, plain.status(), plain.body());
    String plainInfo =
        Http.JSON
            .readTree(plain.json().get("info").textValue())
            .get("infotexts")
            .get(0)
            .textValue();
    assertFalse(plainInfo.contains("Hires"), plainInfo);
  }

  private static String infotext(Http.Res r) throws Exception {
    assertEquals(200, r.status(), r.body());
    return Http.JSON.readTree(r.json().get("info").textValue()).get("infotexts").get(0).textValue();
  }

  private static BufferedImage image(Http.Res r) throws Exception {
    return ImageIO.read(
        new ByteArrayInputStream(
            Base64.getDecoder().decode(r.json().get("images").get(0).textValue())));
  }

  @Test
  void theSecondPassTakesItsOwnSizePromptsAndSampler() throws Exception {
    PromptStyles styles =
        PromptStyles.parse("name,prompt,negative_prompt\nink,\"{prompt}, ink\",smudge\n");
    server = Servers.start(Servers.config().withStyles(styles), new TestModels(0, 32, "m18"));
    // hr_resize_x alone: the height follows the aspect ratio (40x24 -> 80x48)
    Http.Res r =
        post(
            "{\"prompt\":\"a castle\",\"steps\":2,\"width\":40,\"height\":24,"
                + "\"enable_hr\":true,\"hr_resize_x\":80,\"hr_scale\":3}");
    assertEquals(80, image(r).getWidth());
    assertEquals(48, image(r).getHeight());
    assertTrue(infotext(r).contains("Hires resize: 80x0"), infotext(r));
    assertFalse(infotext(r).contains("Hires upscale:"), infotext(r));
    // both: cover 64x64 at 40:24 (107x64), then cut to 64x64
    r =
        post(
            "{\"prompt\":\"a castle\",\"steps\":2,\"width\":40,\"height\":24,"
                + "\"enable_hr\":true,\"hr_resize_x\":64,\"hr_resize_y\":64}");
    assertEquals(64, image(r).getWidth());
    assertEquals(64, image(r).getHeight());
    // own prompts (styles applied to them too), sampler and schedule
    r =
        post(
            "{\"prompt\":\"a castle\",\"steps\":2,\"width\":32,\"height\":32,"
                + "\"styles\":[\"ink\"],\"enable_hr\":true,\"hr_prompt\":\"a tower\","
                + "\"hr_negative_prompt\":\"fog\",\"hr_sampler_name\":\"k_euler\","
                + "\"hr_scheduler\":\"karras\"}");
    String info = infotext(r);
    assertTrue(info.startsWith("a castle, ink\nNegative prompt: smudge\n"), info);
    assertTrue(info.contains("Hires sampler: Euler"), info);
    assertTrue(info.contains("Hires prompt: \"a tower, ink\""), info);
    assertTrue(info.contains("Hires negative prompt: \"fog, smudge\""), info);
    assertTrue(info.contains("Hires schedule type: Karras"), info);
    // empty and "Use same ..." are the first pass's, as in A1111
    r =
        post(
            "{\"prompt\":\"a castle\",\"steps\":2,\"width\":32,\"height\":32,"
                + "\"enable_hr\":true,\"hr_prompt\":\"\",\"hr_sampler_name\":\"Use same sampler\","
                + "\"hr_scheduler\":\"Use same scheduler\"}");
    assertFalse(infotext(r).contains("Hires sampler"), infotext(r));
    assertFalse(infotext(r).contains("Hires prompt"), infotext(r));
    assertFalse(infotext(r).contains("Hires schedule type"), infotext(r));
  }

  @Test
  void badHiresSettingsAre422WithWhatIsAccepted() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 32, "m18"));
    assertRefused(
        post("{\"enable_hr\":true,\"hr_upscaler\":\"4x-UltraSharp\"}"),
        "accepted: Latent, Latent (antialiased), Latent (bicubic)");
    // the server's largest side is 512
    assertRefused(
        post("{\"enable_hr\":true,\"width\":320,\"height\":64,\"hr_scale\":2,\"steps\":2}"),
        "width 320 x hr_scale 2.0 = 640 pixels; this server accepts at most 512");
    assertRefused(
        post("{\"enable_hr\":true,\"width\":40,\"height\":40,\"hr_scale\":1.5,\"steps\":2}"),
        "not a multiple of 8");
    assertRefused(
        post("{\"enable_hr\":true,\"width\":32,\"height\":32,\"denoising_strength\":0}"),
        "leaves no step of the second pass");
    assertRefused(
        post("{\"enable_hr\":true,\"hr_resize_x\":60}"), "hr_resize_x must be a multiple of 8");
    assertRefused(post("{\"enable_hr\":true,\"hr_resize_y\":4}"), "hr_resize_y must be at least 8");
    assertRefused(
        post("{\"enable_hr\":true,\"width\":32,\"height\":64,\"hr_resize_x\":512,\"steps\":2}"),
        "upscale the 32x64 first pass to 512x1024");
    assertRefused(post("{\"enable_hr\":true,\"hr_scheduler\":\"Simple\"}"), "Simple");
    assertRefused(post("{\"enable_hr\":true,\"hr_prompt\":\"<lora:nope:1> a cat\"}"), "nope");
    assertEquals(404, post("{\"enable_hr\":true,\"hr_sampler_name\":\"No Such\"}").status());
    assertRefused(post("{\"enable_hr\":true,\"hr_scale\":0.5}"), "hr_scale must be between 1");
    // a hires field without enable_hr changes nothing, as in A1111
    Http.Res off = post("{\"steps\":1,\"width\":32,\"height\":32,\"hr_scale\":4}");
    assertEquals(200, off.status(), off.body());
  }
}
