package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.altdiffusion.image.Masks;
import org.altdiffusion.image.Png;
import org.altdiffusion.io.png.PngText;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.GeneratedImage;
import org.altdiffusion.pipeline.GenerationRequest;
import org.altdiffusion.pipeline.Infotext;
import org.altdiffusion.pipeline.InitImage;
import org.altdiffusion.pipeline.InpaintMask;
import org.altdiffusion.pipeline.ProgressListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server on the real diffusion pipeline (the tiny AltDiffusion test model, loaded by {@link
 * org.altdiffusion.pipeline.PipelineLoader} as {@code serve} loads models): txt2img and img2img
 * over HTTP give the images the pipeline gives when called directly, with A1111's parameters in the
 * PNGs.
 */
class RealPipelineServerTest {
  static final Path TINY = TinyModelRegistry.FOLDER;
  static ApiServer server;
  static DiffusionPipeline pipeline;

  @BeforeAll
  static void start() throws Exception {
    TinyModelRegistry registry = new TinyModelRegistry();
    server = new ApiServer(Servers.config(), registry, null);
    Servers.awaitLoaded(server, null);
    pipeline = registry.pipeline;
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  @Test
  void txt2imgThenImg2imgOverHttpMatchTheDirectPipeline() throws Exception {
    JsonNode t2i =
        post(
            "/sdapi/v1/txt2img",
            "{\"prompt\":\"一只猫 on a mat\",\"seed\":42,\"steps\":3,\"width\":32,\"height\":32}");
    String first = t2i.get("images").get(0).textValue();
    Infotext t2iText = parameters(first);
    assertEquals("一只猫 on a mat", t2iText.prompt());
    assertEquals("42", t2iText.settings().get("Seed"));
    assertEquals("3", t2iText.settings().get("Steps"));
    assertEquals("32x32", t2iText.settings().get("Size"));
    assertEquals("tiny-altdiffusion", t2iText.settings().get("Model"));
    assertFalse(t2iText.settings().containsKey("Denoising strength"));

    // img2img from the txt2img picture
    JsonNode i2i =
        post(
            "/sdapi/v1/img2img",
            "{\"prompt\":\"ein Hund\",\"negative_prompt\":\"blurry\",\"seed\":7,\"steps\":3,"
                + "\"denoising_strength\":0.75,\"init_images\":[\""
                + first
                + "\"]}");
    JsonNode info = Http.JSON.readTree(i2i.get("info").textValue());
    assertEquals(32, info.get("width").asInt()); // the init image's size
    assertEquals(0.75, info.get("denoising_strength").asDouble());
    String second = i2i.get("images").get(0).textValue();
    Infotext i2iText = parameters(second);
    assertEquals("ein Hund", i2iText.prompt());
    assertEquals("blurry", i2iText.negativePrompt());
    assertEquals("7", i2iText.settings().get("Seed"));
    assertEquals("0.75", i2iText.settings().get("Denoising strength"));
    assertEquals(info.get("infotexts").get(0).textValue(), i2iText.format());

    // the same run straight on the pipeline (the server is idle now): the same pixels
    GenerationRequest direct =
        GenerationRequest.builder("ein Hund")
            .negativePrompt("blurry")
            .steps(3)
            .guidance(7.0)
            .seed(7L)
            .size(32, 32)
            .initImage(new InitImage(decode(first), 0.75))
            .build();
    List<GeneratedImage> expected = pipeline.generate(direct, ProgressListener.NONE);
    BufferedImage got = decode(second);
    int worst = 0;
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        int a = expected.get(0).image().getRGB(x, y);
        int b = got.getRGB(x, y);
        for (int shift = 0; shift <= 16; shift += 8)
          worst = Math.max(worst, Math.abs(((a >> shift) & 255) - ((b >> shift) & 255)));
      }
    }
    System.out.println("server img2img vs direct pipeline: max channel difference " + worst);
    assertEquals(0, worst, "the server must run exactly the pipeline's img2img");
    assertNotEquals(first, second);
  }

  @Test
  void inpaintingOverHttpMatchesTheDirectPipelineAndKeepsTheRestWithOverlay() throws Exception {
    String init =
        post(
                "/sdapi/v1/txt2img",
                "{\"prompt\":\"a red house\",\"seed\":3,\"steps\":2,\"width\":32,\"height\":32}")
            .get("images")
            .get(0)
            .textValue();
    BufferedImage maskPicture = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 32; y++)
      for (int x = 0; x < 32; x++) maskPicture.setRGB(x, y, x < 16 ? 0xFFFFFF : 0);
    String mask = Base64.getEncoder().encodeToString(Png.encode(maskPicture, null));
    JsonNode res =
        post(
            "/sdapi/v1/img2img",
            "{\"prompt\":\"a green tree\",\"seed\":9,\"steps\":4,\"denoising_strength\":0.75,"
                + "\"mask_blur\":0,\"inpaint_full_res\":false,\"inpainting_fill\":1,"
                + "\"init_images\":[\""
                + init
                + "\"],\"mask\":\""
                + mask
                + "\"}");
    String out = res.get("images").get(0).textValue();
    Infotext text = parameters(out);
    assertEquals("0", text.settings().get("Mask blur"));
    BufferedImage original = decode(init);
    BufferedImage got = decode(out);
    boolean changed = false;
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        if (x >= 16)
          assertEquals(
              original.getRGB(x, y) & 0xFFFFFF,
              got.getRGB(x, y) & 0xFFFFFF,
              "outside the mask the overlay keeps the init image, at " + x + "," + y);
        else changed |= original.getRGB(x, y) != got.getRGB(x, y);
      }
    }
    assertTrue(changed, "the masked half is repainted");

    GenerationRequest direct =
        GenerationRequest.builder("a green tree")
            .steps(4)
            .guidance(7.0)
            .seed(9L)
            .size(32, 32)
            .initImage(new InitImage(original, 0.75))
            .mask(
                new InpaintMask(
                    Masks.luminance(maskPicture), 0, false, true, null, InpaintMask.Fill.ORIGINAL))
            .build();
    BufferedImage expected = pipeline.generate(direct, ProgressListener.NONE).get(0).image();
    for (int y = 0; y < 32; y++)
      for (int x = 0; x < 32; x++)
        assertEquals(
            expected.getRGB(x, y) & 0xFFFFFF,
            got.getRGB(x, y) & 0xFFFFFF,
            "the server runs exactly the pipeline's inpainting, at " + x + "," + y);

    // A1111's default inpaint_full_res: diffusers' crop, infotext as the pipeline writes it
    JsonNode cropped =
        post(
            "/sdapi/v1/img2img",
            "{\"prompt\":\"a green tree\",\"seed\":9,\"steps\":4,\"denoising_strength\":0.75,"
                + "\"inpaint_full_res_padding\":4,\"init_images\":[\""
                + init
                + "\"],\"mask\":\""
                + mask
                + "\"}");
    Infotext croppedText = parameters(cropped.get("images").get(0).textValue());
    assertEquals("Only masked", croppedText.settings().get("Inpaint area"));
    assertEquals("4", croppedText.settings().get("Masked area padding"));
    assertEquals("4", croppedText.settings().get("Mask blur"));
    assertEquals(32, decode(cropped.get("images").get(0).textValue()).getWidth());
  }

  private static JsonNode post(String path, String body) throws Exception {
    Http.Res r = Http.post(server.url() + path, body);
    assertEquals(200, r.status(), r.body());
    return r.json();
  }

  private static Infotext parameters(String b64) {
    return Infotext.parse(PngText.read(Base64.getDecoder().decode(b64)).get("parameters"));
  }

  private static BufferedImage decode(String b64) throws Exception {
    return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(b64)));
  }
}
