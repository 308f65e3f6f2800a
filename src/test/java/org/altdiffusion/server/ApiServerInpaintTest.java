package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.altdiffusion.image.Png;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * img2img's inpainting fields on /sdapi/v1/img2img and the job API, against the test double (which
 * changes only the pixels the prepared mask repaints and writes the mask options to its infotext).
 */
class ApiServerInpaintTest {
  private static final int W = 32;
  private static final int H = 16;
  private static final int RED = 0xFF0000;
  private ApiServer server;

  @BeforeEach
  void start() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 64, "m18"));
  }

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  private static String png(int w, int h, int rgb) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb);
    return Base64.getEncoder().encodeToString(Png.encode(img, null));
  }

  /** White (repaint) on the left {@code left} columns of w, black elsewhere. */
  private static String leftMask(int w, int h, int left) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) img.setRGB(x, y, x < left ? 0xFFFFFF : 0);
    return Base64.getEncoder().encodeToString(Png.encode(img, null));
  }

  private ObjectNode body(String mask) {
    ObjectNode b = Http.JSON.createObjectNode();
    b.put("prompt", "a blue door");
    b.put("seed", 5);
    b.put("steps", 4);
    b.put("denoising_strength", 0.75);
    b.putArray("init_images").add(png(W, H, RED));
    if (mask != null) b.put("mask", mask);
    return b;
  }

  private Http.Res post(ObjectNode b) throws Exception {
    return Http.post(server.url() + "/sdapi/v1/img2img", b.toString());
  }

  private static BufferedImage image(JsonNode res, int i) throws Exception {
    return ImageIO.read(
        new java.io.ByteArrayInputStream(
            Base64.getDecoder().decode(res.get("images").get(i).textValue())));
  }

  private static JsonNode info(Http.Res r) throws Exception {
    return Http.JSON.readTree(r.json().get("info").textValue());
  }

  private static void assertError(Http.Res r, int status, String detailPart) {
    assertEquals(status, r.status(), r.body());
    JsonNode j = r.json();
    assertTrue(j.hasNonNull("error"), r.body());
    assertTrue(
        j.get("detail").textValue().contains(detailPart),
        "detail should mention '" + detailPart + "': " + r.body());
  }

  /** Asserts that columns [from, to) all differ from red and the others are red. */
  private static void assertRepainted(BufferedImage out, int from, int to) {
    assertEquals(W, out.getWidth());
    assertEquals(H, out.getHeight());
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        int rgb = out.getRGB(x, y) & 0xFFFFFF;
        if (x >= from && x < to) assertNotEquals(RED, rgb, "repainted at " + x + "," + y);
        else assertEquals(RED, rgb, "kept at " + x + "," + y);
      }
    }
  }

  @Test
  void aMaskRepaintsOnlyItsWhitePartWithA1111sDefaults() throws Exception {
    ObjectNode b = body(leftMask(W, H, 12));
    b.put("inpaint_full_res", false);
    b.put("mask_blur", 0);
    Http.Res r = post(b);
    assertEquals(200, r.status(), r.body());
    assertRepainted(image(r.json(), 0), 0, 12);
    String infotext = info(r).get("infotexts").get(0).textValue();
    assertTrue(infotext.contains("Mask blur: 0"), infotext);
    assertTrue(infotext.contains("Masked content: fill"), "A1111's default fill: " + infotext);
    assertTrue(infotext.contains("Overlay: true"), "A1111's overlay is on: " + infotext);
    assertFalse(infotext.contains("Inpaint area"), infotext);
    assertTrue(r.json().get("parameters").get("mask").isNull(), "echoed only when asked");
  }

  @Test
  void maskFieldsMapOntoThePipelinesOptions() throws Exception {
    ObjectNode b = body(leftMask(W, H, 12));
    b.put("inpaint_full_res", false);
    b.put("mask_blur_x", 0);
    b.put("mask_blur_y", 0);
    b.put("inpainting_mask_invert", 1);
    b.put("inpainting_fill", 3);
    Http.Res r = post(b);
    assertEquals(200, r.status(), r.body());
    assertRepainted(image(r.json(), 0), 12, W); // inverted: the black part
    String infotext = info(r).get("infotexts").get(0).textValue();
    assertTrue(infotext.contains("Mask mode: Inpaint not masked"), infotext);
    assertTrue(infotext.contains("Masked content: latent nothing"), infotext);
    assertTrue(infotext.contains("Mask blur: 0"), infotext);

    b = body(leftMask(W, H, 12));
    b.put("inpaint_full_res", false);
    b.put("mask_blur", 6); // wins over mask_blur_x / mask_blur_y, as in A1111
    b.put("mask_blur_x", 1);
    b.put("mask_blur_y", 2);
    b.put("inpainting_fill", 2);
    r = post(b);
    assertEquals(200, r.status(), r.body());
    infotext = info(r).get("infotexts").get(0).textValue();
    assertTrue(infotext.contains("Mask blur: 6"), infotext);
    assertTrue(infotext.contains("Masked content: latent noise"), infotext);
    assertFalse(infotext.contains("Mask blur X"), infotext);
    // the blur repaints a little beyond the white columns, never the far side
    BufferedImage out = image(r.json(), 0);
    assertNotEquals(RED, out.getRGB(0, 8) & 0xFFFFFF);
    assertEquals(RED, out.getRGB(W - 1, 8) & 0xFFFFFF);

    b = body(leftMask(W, H, 12));
    b.put("inpaint_full_res", false);
    b.put("mask_blur_x", 2); // A1111 1.6+: a blur per axis
    b.put("mask_blur_y", 0);
    b.put("inpainting_fill", 1);
    r = post(b);
    assertEquals(200, r.status(), r.body());
    infotext = info(r).get("infotexts").get(0).textValue();
    assertTrue(infotext.contains("Mask blur X: 2, Mask blur Y: 0"), infotext);
    assertTrue(infotext.contains("Masked content: original"), infotext);

    b = body(leftMask(W, H, 12));
    b.put("inpaint_full_res_padding", 8); // inpaint_full_res defaults to true, as in A1111
    r = post(b);
    assertEquals(200, r.status(), r.body());
    infotext = info(r).get("infotexts").get(0).textValue();
    assertTrue(infotext.contains("Inpaint area: Only masked"), infotext);
    assertTrue(infotext.contains("Masked area padding: 8"), infotext);
    assertTrue(infotext.contains("Mask blur: 4"), "A1111's default blur: " + infotext);
    assertFalse(infotext.contains("Overlay"), "the crop pastes back by itself: " + infotext);
    assertEquals(W, image(r.json(), 0).getWidth());
  }

  @Test
  void aMaskWithTransparencyIsReadByItsAlpha() throws Exception {
    // black everywhere (luminance would repaint nothing), opaque on the right 10 columns
    BufferedImage m = new BufferedImage(W, H, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) m.setRGB(x, y, x >= 22 ? 0xFF000000 : 0);
    ObjectNode b = body(Base64.getEncoder().encodeToString(Png.encode(m, null)));
    b.put("inpaint_full_res", false);
    b.put("mask_blur", 0);
    Http.Res r = post(b);
    assertEquals(200, r.status(), r.body());
    assertRepainted(image(r.json(), 0), 22, W);
  }

  @Test
  void aMaskOfAnotherSizeIsResizedWithAWarning() throws Exception {
    ObjectNode b = body(leftMask(W / 2, H / 2, 8)); // the left half, at half the size
    b.put("inpaint_full_res", false);
    b.put("mask_blur", 0);
    b.put("include_init_images", true);
    Http.Res r = post(b);
    assertEquals(200, r.status(), r.body());
    assertRepainted(image(r.json(), 0), 0, 16);
    assertTrue(
        info(r).get("warnings").toString().contains("the mask was resized"), info(r).toString());
    assertEquals(b.get("mask"), r.json().get("parameters").get("mask"));
  }

  @Test
  void aMaskThatRepaintsNothingReturnsTheInitImage() throws Exception {
    ObjectNode b = body(png(W, H, 0));
    b.put("batch_size", 2);
    Http.Res r = post(b);
    assertEquals(200, r.status(), r.body());
    assertEquals(2, r.json().get("images").size());
    assertRepainted(image(r.json(), 1), 0, 0);
    assertTrue(info(r).get("warnings").toString().contains("repaints nothing"), info(r).toString());
    assertEquals("[5,6]", info(r).get("all_seeds").toString());
  }

  @Test
  void badMasksAndOptionsAre422s() throws Exception {
    assertError(post(body("x")), 422, "mask is not valid base64");
    String text = Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8));
    assertError(post(body(text)), 422, "mask is");
    ObjectNode b = body(leftMask(W, H, 4));
    b.put("inpainting_fill", 4);
    assertError(post(b), 422, "inpainting_fill");
    b.put("inpainting_fill", -1);
    assertError(post(b), 422, "inpainting_fill");
    b = body(leftMask(W, H, 4));
    b.put("mask_blur_y", 65);
    assertError(post(b), 422, "mask_blur_y");
    b = body(leftMask(W, H, 4));
    b.put("mask_blur", 65);
    assertError(post(b), 422, "mask_blur");
    b = body(leftMask(W, H, 4));
    b.put("inpainting_fill", 2);
    b.put("denoising_strength", 1.0);
    assertError(post(b), 422, "below 1");
    // without a mask the inpainting fields are unused, as in A1111
    b = body(" ");
    b.put("inpainting_fill", 0);
    b.put("mask_blur_x", 2);
    b.put("mask_blur_y", 3);
    assertEquals(200, post(b).status());
  }

  @Test
  void theJobApiTakesTheSameFields() throws Exception {
    ObjectNode b = body(leftMask(W, H, 12));
    b.put("inpaint_full_res", false);
    b.put("mask_blur", 0);
    Http.Res sub = Http.post(server.url() + "/api/v1/jobs/img2img", b.toString());
    assertEquals(202, sub.status(), sub.body());
    String id = sub.json().get("id").textValue();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!Http.get(server.url() + "/api/v1/jobs/" + id)
        .json()
        .get("status")
        .textValue()
        .equals("succeeded")) {
      assertTrue(System.nanoTime() < deadline, "job did not succeed");
      Thread.sleep(5);
    }
    JsonNode result = Http.get(server.url() + "/api/v1/jobs/" + id + "/result").json();
    assertRepainted(image(result, 0), 0, 12);
    b.put("inpainting_fill", 4);
    assertError(
        Http.post(server.url() + "/api/v1/jobs/img2img", b.toString()), 422, "inpainting_fill");
  }
}
