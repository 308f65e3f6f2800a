package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.altdiffusion.io.png.PngText;
import org.altdiffusion.pipeline.Infotext;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web page in a real browser (headless Chromium through chromedriver): a Chinese example
 * prompt, generation with the progress bar moving and previews shown, the PNG downloaded and its
 * parameters read back with our PngText, then the PNG-info drop zone fed the downloaded file, then
 * the downloaded file as the starting picture of an img2img run. Without a browser it fails under
 * CI ({@code CI=true}) and is skipped, saying so, elsewhere.
 */
class BrowserEndToEndTest {
  static final String PROMPT_LANG = "zh";

  @FunctionalInterface
  interface Session {
    void run(WebDriverClient browser, ApiServer server, Path downloads) throws Exception;
  }

  /** Starts the server a session runs against. */
  @FunctionalInterface
  interface ServerStart {
    ApiServer start() throws Exception;
  }

  /** Runs {@code session} in a fresh headless Chromium against a fresh server. */
  private static void inBrowser(Path tmp, ModelRegistry models, Session session) throws Exception {
    inBrowser(
        tmp,
        () -> {
          ApiServer server = new ApiServer(Servers.config(), models, null);
          Servers.awaitLoaded(server, null);
          return server;
        },
        session);
  }

  /** Runs {@code session} in a fresh headless Chromium against the server {@code start} makes. */
  static void inBrowser(Path tmp, ServerStart start, Session session) throws Exception {
    Path chromium =
        findExecutable(
            "CHROME_BIN",
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome");
    Path chromedriver =
        findExecutable("CHROMEDRIVER", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
    if (chromium == null || chromedriver == null) {
      String msg =
          "the browser test needs Chromium and chromedriver (Debian: apt-get install -y chromium"
              + " chromium-driver; or set CHROME_BIN and CHROMEDRIVER)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) fail("CI=true and " + msg);
      Assumptions.abort("skipped: " + msg);
    }
    Path downloads = Files.createDirectories(tmp.resolve("downloads"));
    ApiServer server = start.start();
    try (WebDriverClient browser =
        new WebDriverClient(
            chromedriver,
            chromium,
            Files.createDirectories(tmp.resolve("profile")),
            downloads,
            tmp.resolve("chromedriver.log"))) {
      try {
        session.run(browser, server, downloads);
      } catch (AssertionError | Exception e) {
        Path shot = Path.of("target", "browser-failure.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, browser.screenshot());
        throw new AssertionError(
            e.getMessage() + " (screenshot of the page: " + shot.toAbsolutePath() + ")", e);
      }
    } finally {
      server.close();
    }
  }

  @Test
  void generatesFromANonEnglishPromptAndTheDownloadCarriesItsParameters(@TempDir Path tmp)
      throws Exception {
    inBrowser(tmp, new TestModels(60, 64, "altdiffusion-m18"), this::run);
  }

  /**
   * A first visit: the size fields hold the model's own size, the example buttons hold the prompts
   * the server offers for the model, a refused request's error goes away when the next run starts,
   * batch count runs several batches, small pictures are enlarged with crisp pixels and open
   * enlarged on a click, a picture's seed and the picture itself can be reused, and the gallery
   * survives a reload (bounded) until cleared.
   */
  @Test
  void firstRunFitsTheModelAndTheGalleryIsKept(@TempDir Path tmp) throws Exception {
    inBrowser(tmp, new TestModels(10, 32, "altdiffusion-m18"), this::firstRun);
  }

  private void firstRun(WebDriverClient browser, ApiServer server, Path downloads)
      throws Exception {
    browser.navigate(server.url() + "/");
    await(browser, "return document.getElementById('width').value !== ''", "a default size");
    assertEquals("32", value(browser, "width"), "the model's default width");
    assertEquals("32", value(browser, "height"), "the model's default height");

    JsonNode model = Http.get(server.url() + "/api/v1/model").json();
    assertEquals("generic", model.get("examples_source").textValue());
    JsonNode buttons =
        browser.script(
            "return [...document.querySelectorAll('#examples button')].map(b => [b.dataset.lang,"
                + " b.title])");
    assertEquals(PromptExamples.generic().size(), buttons.size(), buttons.toString());
    for (int i = 0; i < buttons.size(); i++) {
      assertEquals(
          model.get("examples").get(i).get("lang").textValue(), buttons.get(i).get(0).asText());
      assertEquals(
          PromptExamples.generic().get(i).prompt(), buttons.get(i).get(1).asText(), "example " + i);
    }
    browser.click(browser.find("#examples button[data-lang='de']"));
    String prompt = value(browser, "prompt");
    assertEquals("ein großer violetter Kreis unten", prompt);

    // a refused request shows its reason; the next run starts without it
    setField(browser, "#steps", "3");
    setField(browser, "#seed", "281474976710656");
    browser.click(browser.find("#generate"));
    await(browser, "return !document.getElementById('error').hidden", "the error shown");
    String error = browser.script("return document.getElementById('error').textContent").asText();
    assertTrue(error.contains("seed"), error);
    setField(browser, "#seed", "5");
    setField(browser, "#n_iter", "2");
    browser.click(browser.find("#generate"));
    assertTrue(
        browser.script("return document.getElementById('error').hidden").asBoolean(),
        "the old error is gone as soon as the next run starts");
    await(
        browser,
        "return document.querySelectorAll('#gallery figure').length === 2",
        "two batches in the gallery");
    assertEquals(
        "", browser.script("return document.getElementById('error').textContent").asText());
    JsonNode captions = captions(browser);
    assertTrue(captions.get(0).asText().contains("Seed: 5"), captions.toString());
    assertTrue(captions.get(1).asText().contains("Seed: 6"), captions.toString());
    assertTrue(captions.get(0).asText().contains("Size: 32x32"), captions.toString());

    // small pictures: enlarged, crisp; a click opens them larger still
    JsonNode shown =
        browser.script(
            "const i = document.querySelector('#gallery img'); return [i.naturalWidth,"
                + " i.clientWidth, getComputedStyle(i).imageRendering]");
    assertEquals(32, shown.get(0).asInt());
    assertTrue(shown.get(1).asInt() >= 4 * 32, "shown enlarged: " + shown);
    assertEquals("pixelated", shown.get(2).asText(), "no blur");
    browser.click(browser.find("#gallery img"));
    await(browser, "return !document.getElementById('zoom').hidden", "the enlarged picture");
    JsonNode zoomed =
        browser.script(
            "const z = document.getElementById('zoom-img'); return [z.src ==="
                + " document.querySelector('#gallery img').src, z.clientWidth,"
                + " getComputedStyle(z).imageRendering]");
    assertTrue(zoomed.get(0).asBoolean(), zoomed.toString());
    assertTrue(zoomed.get(1).asInt() > shown.get(1).asInt(), "larger than in the gallery");
    assertEquals("pixelated", zoomed.get(2).asText());
    browser.script(
        "document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'})); return true");
    assertTrue(browser.script("return document.getElementById('zoom').hidden").asBoolean());

    // reuse a seed; send a picture to img2img
    setField(browser, "#seed", "-1");
    browser.script("document.querySelectorAll('#gallery .reuse-seed')[1].click(); return true");
    assertEquals("6", value(browser, "seed"));
    setField(browser, "#prompt", "something else");
    browser.script("document.querySelectorAll('#gallery .send-img2img')[0].click(); return true");
    await(browser, "return !document.getElementById('init-chosen').hidden", "the init picture");
    assertEquals(prompt, value(browser, "prompt"), "the picture's prompt comes along");
    assertTrue(
        browser
            .script(
                "return document.getElementById('init-preview').src ==="
                    + " document.querySelector('#gallery img').src")
            .asBoolean());

    // the gallery survives a reload
    browser.navigate(server.url() + "/");
    await(
        browser,
        "return document.querySelectorAll('#gallery figure').length === 2",
        "the gallery after a reload");
    assertEquals(captions, captions(browser));
    assertEquals("", value(browser, "prompt"), "a fresh form");

    // bounded: of 60 kept pictures only the newest 40 come back
    browser.script(
        "const h = JSON.parse(localStorage.getItem('altdiffusion-history'));"
            + " const many = []; for (let i = 0; i < 60; i++) many.push(Object.assign({}, h[0],"
            + " {seed: 1000 + i, infotext: 'Seed: ' + (1000 + i)}));"
            + " localStorage.setItem('altdiffusion-history', JSON.stringify(many)); return true");
    browser.navigate(server.url() + "/");
    await(
        browser,
        "return document.querySelectorAll('#gallery figure').length > 0",
        "the gallery after a reload");
    assertEquals(
        40, browser.script("return document.querySelectorAll('#gallery figure').length").asInt());
    assertEquals("Seed: 1000", captions(browser).get(0).asText());

    browser.click(browser.find("#history-clear"));
    assertEquals(
        0, browser.script("return document.querySelectorAll('#gallery figure').length").asInt());
    browser.navigate(server.url() + "/");
    await(browser, "return document.getElementById('width').value !== ''", "the page loaded");
    assertEquals(
        0, browser.script("return document.querySelectorAll('#gallery figure').length").asInt());
  }

  /**
   * Inpainting on the page with the real tiny pipeline: a stroke painted over the starting picture
   * (with the eraser, invert and clear tried on the way) is sent as A1111's mask; the result comes
   * back beside the original, repainted under the stroke and the original's pixels elsewhere.
   */
  @Test
  void paintsAMaskAndOnlyThePaintedPartIsRepainted(@TempDir Path tmp) throws Exception {
    inBrowser(tmp, new TinyModelRegistry(), this::inpaint);
  }

  private void inpaint(WebDriverClient browser, ApiServer server, Path downloads) throws Exception {
    BufferedImage original = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 32; y++)
      for (int x = 0; x < 32; x++) original.setRGB(x, y, (x * 8) << 16 | (y * 8) << 8 | 120);
    Path init = downloads.resolveSibling("init.png");
    ImageIO.write(original, "png", init.toFile());
    browser.navigate(server.url() + "/");
    await(browser, "return document.getElementById('width').value !== ''", "the page loaded");
    browser.type(browser.find("#init-file"), init.toString());
    await(browser, "return !document.getElementById('inpaint').hidden", "the mask editor");
    assertEquals(0, maskedPixels(browser));
    assertEquals("no mask: plain img2img", text(browser, "mask-state"));

    // the canvas is shown 256 CSS pixels wide: 8 per picture pixel; (0, 0) is its centre
    String canvas = browser.find("#mask-canvas");
    setRange(browser, "mask-brush", "6");
    browser.drag(canvas, new int[][] {{40, -80}, {60, -20}, {80, 40}, {90, 90}});
    int painted = maskedPixels(browser);
    assertTrue(painted > 40 && painted < 400, "a stroke, not the whole picture: " + painted);
    assertEquals(painted + " pixels to repaint", text(browser, "mask-state"));
    browser.click(browser.find("#mask-eraser"));
    browser.drag(canvas, new int[][] {{90, 90}, {80, 40}});
    int erased = maskedPixels(browser);
    assertTrue(erased < painted, "the eraser took part of the stroke: " + erased);
    browser.click(browser.find("#mask-eraser"));
    browser.click(browser.find("#mask-invert"));
    assertEquals(32 * 32 - erased, maskedPixels(browser), "inverted");
    browser.click(browser.find("#mask-clear"));
    assertEquals(0, maskedPixels(browser), "cleared");
    browser.drag(canvas, new int[][] {{40, -80}, {60, -20}, {80, 40}, {90, 90}});
    // the browser may coalesce pointer moves differently on a loaded machine: a pixel or two
    int again = maskedPixels(browser);
    assertTrue(Math.abs(again - painted) <= painted / 10, "the same stroke again: " + again);

    setField(browser, "#mask-blur", "0");
    setField(browser, "#steps", "4");
    setField(browser, "#seed", "9");
    setField(browser, "#prompt", "一个蓝色的星星");
    String maskB64 = browser.script("return maskPng()").asText(); // what the request carries
    browser.click(browser.find("#generate"));
    await(
        browser,
        "return !document.getElementById('inpaint-result-box').hidden ||"
            + " document.getElementById('error').textContent.length > 0",
        "the inpainted picture beside the original");
    assertEquals("", text(browser, "error"));
    String caption = text(browser, "gallery").replace('\n', ' ');
    assertTrue(caption.contains("Mask blur: 0"), "the request carried a mask: " + caption);
    String src = browser.script("return document.getElementById('inpaint-result').src").asText();
    BufferedImage result = decode(src.substring(src.indexOf(',') + 1));
    BufferedImage mask = decode(maskB64);
    assertEquals(32, result.getWidth());
    int kept = 0;
    int repainted = 0;
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        int m = mask.getRGB(x, y) & 255;
        if (m == 0) {
          assertEquals(original.getRGB(x, y), result.getRGB(x, y), "unmasked " + x + "," + y);
          kept++;
        } else if (m == 255 && original.getRGB(x, y) != result.getRGB(x, y)) repainted++;
      }
    }
    System.out.println(
        "browser inpainting: " + kept + " unmasked pixels kept, " + repainted + " repainted");
    assertTrue(kept > 500 && repainted > 20, kept + " kept, " + repainted + " repainted");
  }

  private static int maskedPixels(WebDriverClient b) throws Exception {
    return b.script("return maskedPixels()").asInt();
  }

  private static String text(WebDriverClient b, String id) throws Exception {
    return b.script("return document.getElementById('" + id + "').textContent").asText();
  }

  private static void setRange(WebDriverClient b, String id, String v) throws Exception {
    b.script(
        "const s = document.getElementById('"
            + id
            + "'); s.value = '"
            + v
            + "'; s.dispatchEvent(new Event('input')); return true");
  }

  private static BufferedImage decode(String b64) throws Exception {
    return ImageIO.read(new java.io.ByteArrayInputStream(Base64.getDecoder().decode(b64)));
  }

  private static String value(WebDriverClient b, String id) throws Exception {
    return b.script("return document.getElementById('" + id + "').value").asText();
  }

  private static JsonNode captions(WebDriverClient b) throws Exception {
    return b.script(
        "return [...document.querySelectorAll('#gallery figcaption')].map(c => c.textContent)");
  }

  private void run(WebDriverClient browser, ApiServer server, Path downloads) throws Exception {
    {
      browser.navigate(server.url() + "/");
      await(
          browser,
          "return document.querySelectorAll('#sampler option').length > 1",
          "samplers listed");
      browser.click(browser.find("#examples button[data-lang='" + PROMPT_LANG + "']"));
      String prompt = browser.script("return document.getElementById('prompt').value").textValue();
      assertTrue(
          prompt
              .codePoints()
              .anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN),
          "a Chinese prompt: " + prompt);
      setField(browser, "#steps", "25");
      setField(browser, "#width", "64");
      setField(browser, "#height", "64");
      setField(browser, "#seed", "4242");
      browser.click(browser.find("#generate"));

      List<Integer> progress = new ArrayList<>();
      boolean previewShown = false;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (true) {
        JsonNode s =
            browser.script(
                "return [document.getElementById('progress').value,"
                    + " !document.getElementById('preview').hidden,"
                    + " document.querySelectorAll('#gallery figure').length,"
                    + " document.getElementById('error').textContent]");
        int value = s.get(0).asInt();
        if (progress.isEmpty() || progress.get(progress.size() - 1) != value) progress.add(value);
        previewShown |= s.get(1).asBoolean();
        if (s.get(2).asInt() > 0) break;
        assertEquals("", s.get(3).asText(), "the page shows no error");
        assertTrue(
            System.nanoTime() < deadline,
            "the gallery never showed the image; progress " + progress);
        Thread.sleep(25);
      }
      System.out.println("browser: progress bar values seen " + progress);
      long moving = progress.stream().filter(v -> v > 0 && v < 100).count();
      assertTrue(moving >= 3, "the progress bar moved through several values: " + progress);
      for (int i = 1; i < progress.size(); i++)
        assertTrue(progress.get(i) >= progress.get(i - 1), "progress went back: " + progress);
      assertTrue(previewShown, "a step preview was shown");

      browser.click(browser.find("#gallery a.download"));
      Path png = awaitDownload(downloads);
      Map<String, String> text = PngText.read(Files.readAllBytes(png));
      Infotext params = Infotext.parse(text.get("parameters"));
      assertEquals(prompt, params.prompt());
      assertEquals("4242", params.settings().get("Seed"));
      assertEquals("25", params.settings().get("Steps"));
      assertEquals("64x64", params.settings().get("Size"));
      assertEquals("altdiffusion-m18", params.settings().get("Model"));

      browser.type(browser.find("#pnginfo-file"), png.toString());
      await(
          browser,
          "return document.getElementById('pnginfo-info').textContent.length > 0",
          "PNG info shown");
      String shown =
          browser.script("return document.getElementById('pnginfo-info').textContent").textValue();
      assertEquals(text.get("parameters"), shown);
      String table =
          browser
              .script("return document.getElementById('pnginfo-params').textContent")
              .textValue();
      assertTrue(table.contains("Seed4242") && table.contains(prompt), table);

      // img2img: the downloaded picture as the start, half strength
      browser.type(browser.find("#init-file"), png.toString());
      await(browser, "return !document.getElementById('init-chosen').hidden", "init image shown");
      browser.script(
          "const s = document.getElementById('strength'); s.value = '0.5'; s.dispatchEvent(new"
              + " Event('input')); return true");
      assertEquals(
          "0.50",
          browser
              .script("return document.getElementById('strength-value').textContent")
              .textValue());
      assertEquals(
          "64",
          browser.script("return document.getElementById('width').value").textValue(),
          "the size follows the picture");
      setField(browser, "#seed", "77");
      browser.click(browser.find("#generate"));
      await(
          browser,
          "return document.querySelectorAll('#gallery figure').length === 2 ||"
              + " document.getElementById('error').textContent.length > 0",
          "img2img result");
      assertEquals(
          "", browser.script("return document.getElementById('error').textContent").textValue());
      String caption =
          browser
              .script("return document.querySelector('#gallery figure figcaption').textContent")
              .textValue();
      assertTrue(
          caption.contains("Denoising strength: 0.5") && caption.contains("Seed: 77"), caption);
    }
  }

  static void setField(WebDriverClient b, String css, String value) throws Exception {
    String e = b.find(css);
    b.clear(e);
    b.type(e, value);
  }

  static void await(WebDriverClient b, String condition, String what) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!b.script(condition).asBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for: " + what);
      Thread.sleep(25);
    }
  }

  private static Path awaitDownload(Path dir) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      try (Stream<Path> files = Files.list(dir)) {
        List<Path> done = files.filter(p -> p.toString().endsWith(".png")).toList();
        if (!done.isEmpty() && Files.size(done.get(0)) > 0) return done.get(0);
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no PNG was downloaded into " + dir);
  }

  private static Path findExecutable(String env, String... candidates) {
    String fromEnv = System.getenv(env);
    if (fromEnv != null && Files.isExecutable(Path.of(fromEnv))) return Path.of(fromEnv);
    for (String c : candidates) if (Files.isExecutable(Path.of(c))) return Path.of(c);
    return null;
  }
}
