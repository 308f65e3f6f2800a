package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web page's ControlNet section in a real browser (see {@link BrowserEndToEndTest} for when it
 * runs), on the tiny model with the tiny SD 1.x-style ControlNet: the preprocessors and ControlNets
 * of the server are offered, a control picture is uploaded, canny's sliders appear and its map (at
 * the chosen resolution) comes from /controlnet/detect, and a generation with weight, start/end and
 * a control mode carries the extension's "ControlNet 0" entry in its parameters.
 */
class BrowserControlNetTest {
  @Test
  void uploadsAPictureShowsItsMapAndGeneratesWithTheUnit(@TempDir Path tmp) throws Exception {
    Path nets = Files.createDirectories(tmp.resolve("controlnet"));
    Path dir = Files.createDirectories(nets.resolve("cn-sd1"));
    for (String f : List.of("config.json", "diffusion_pytorch_model.safetensors"))
      Files.copy(ApiServerControlNetTest.NET.resolve(f), dir.resolve(f));
    Path control = tmp.resolve("control.png");
    ImageIO.write(ApiServerControlNetTest.picture(), "png", control.toFile());
    BrowserEndToEndTest.inBrowser(
        tmp,
        () -> {
          ApiServer s =
              new ApiServer(Servers.config().withControlNets(nets), new TinyModelRegistry(), null);
          Servers.awaitLoaded(s, null);
          return s;
        },
        (browser, server, downloads) -> {
          browser.navigate(server.url() + "/");
          BrowserEndToEndTest.await(
              browser,
              "return document.getElementById('cn-module').options.length === 4"
                  + " && document.getElementById('cn-model').options.length === 1",
              "the modules and ControlNets");
          browser.type(browser.find("#cn-file"), control.toString());
          BrowserEndToEndTest.await(
              browser, "return !document.getElementById('cn-chosen').hidden", "the picture");
          browser.script(
              "const m = document.getElementById('cn-module'); m.value = 'canny';"
                  + " m.dispatchEvent(new Event('change')); return true");
          assertEquals(
              "[\"processor_res\",\"threshold_a\",\"threshold_b\"]",
              browser
                  .script(
                      "return [...document.querySelectorAll('#cn-sliders input')]"
                          + ".map(i => i.dataset.field)")
                  .toString());
          BrowserEndToEndTest.setField(
              browser, "#cn-sliders input[data-field='processor_res']", "64");
          browser.click(browser.find("#cn-detect"));
          BrowserEndToEndTest.await(
              browser,
              "const m = document.getElementById('cn-map'); return !m.hidden && m.naturalWidth > 0",
              "the map");
          // the 40x24 picture's short side scaled to 64, as the extension
          assertEquals(
              "[107,64]",
              browser
                  .script(
                      "const m = document.getElementById('cn-map');"
                          + " return [m.naturalWidth, m.naturalHeight]")
                  .toString());
          BrowserEndToEndTest.setField(browser, "#prompt", "a cat");
          BrowserEndToEndTest.setField(browser, "#width", "32");
          BrowserEndToEndTest.setField(browser, "#height", "32");
          BrowserEndToEndTest.setField(browser, "#steps", "3");
          BrowserEndToEndTest.setField(browser, "#seed", "5");
          BrowserEndToEndTest.setField(browser, "#cn-weight", "0.8");
          BrowserEndToEndTest.setField(browser, "#cn-end", "0.5");
          browser.script(
              "const m = document.getElementById('cn-control-mode'); m.value = '2'; return true");
          browser.click(browser.find("#generate"));
          BrowserEndToEndTest.await(
              browser,
              "return document.querySelectorAll('#gallery figure').length === 1 ||"
                  + " document.getElementById('error').textContent.length > 0",
              "a result");
          assertEquals(
              "",
              browser.script("return document.getElementById('error').textContent").textValue());
          String infotext =
              browser
                  .script(
                      "return JSON.parse(localStorage.getItem('altdiffusion-history'))[0].infotext")
                  .textValue();
          assertTrue(
              infotext.contains(
                  "ControlNet 0: \"Module: canny, Model: cn-sd1 [e3b0c442], Weight: 0.8, Resize"
                      + " Mode: Crop and Resize, Processor Res: 64, Threshold A: 100.0, Threshold"
                      + " B: 200.0, Guidance Start: 0.0, Guidance End: 0.5, Pixel Perfect: False,"
                      + " Control Mode: ControlNet is more important\""),
              infotext);
        });
  }
}
