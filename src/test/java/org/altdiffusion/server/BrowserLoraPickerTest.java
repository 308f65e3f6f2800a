package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.altdiffusion.lora.LoraFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web page's LoRA picker in a real browser (see {@link BrowserEndToEndTest} for when it runs):
 * the server's LoRAs are listed, a click adds {@code <lora:NAME:WEIGHT>} with the weight field's
 * value, a second click sets that tag's weight instead of adding another, Refresh shows a file
 * added to the folder since, and the generated picture's parameters keep the tag.
 */
class BrowserLoraPickerTest {
  static final Path FIXTURES = Path.of("src/test/resources/fixtures/lora");

  @Test
  void pickerAddsAndReweighsTagsAndRefreshes(@TempDir Path tmp) throws Exception {
    Path folder = Files.createDirectories(tmp.resolve("loras"));
    Files.copy(FIXTURES.resolve("peft.safetensors"), folder.resolve("peft.safetensors"));
    BrowserEndToEndTest.inBrowser(
        tmp,
        () -> {
          ApiServer s =
              new ApiServer(
                  Servers.config(),
                  new TestModels(10, 32, "altdiffusion-m18"),
                  null,
                  new LoraFolder(folder));
          Servers.awaitLoaded(s, null);
          return s;
        },
        (browser, server, downloads) -> {
          browser.navigate(server.url() + "/");
          BrowserEndToEndTest.await(
              browser, "return document.querySelectorAll('#loras button').length === 1", "LoRAs");
          BrowserEndToEndTest.setField(browser, "#prompt", "a red circle");
          BrowserEndToEndTest.setField(browser, "#lora-weight", "0.7");
          browser.click(browser.find("#loras button[data-lora='peft']"));
          assertEquals("a red circle <lora:peft:0.7>", prompt(browser));
          BrowserEndToEndTest.setField(browser, "#lora-weight", "-0.3");
          browser.click(browser.find("#loras button[data-lora='peft']"));
          assertEquals("a red circle <lora:peft:-0.3>", prompt(browser));

          Files.copy(
              FIXTURES.resolve("kohya_locon.safetensors"), folder.resolve("ink.safetensors"));
          browser.click(browser.find("#lora-refresh"));
          BrowserEndToEndTest.await(
              browser, "return document.querySelectorAll('#loras button').length === 2", "refresh");
          BrowserEndToEndTest.setField(browser, "#lora-weight", "1");
          browser.click(browser.find("#loras button[data-lora='ink']"));
          assertEquals("a red circle <lora:peft:-0.3> <lora:ink:1>", prompt(browser));

          BrowserEndToEndTest.setField(browser, "#seed", "5");
          browser.click(browser.find("#generate"));
          BrowserEndToEndTest.await(
              browser,
              "return document.querySelectorAll('#gallery figure').length === 1 ||"
                  + " document.getElementById('error').textContent.length > 0",
              "a result");
          assertEquals(
              "",
              browser.script("return document.getElementById('error').textContent").textValue());
          String caption =
              browser
                  .script("return document.querySelector('#gallery figure figcaption').textContent")
                  .textValue();
          assertTrue(caption.contains("<lora:peft:-0.3> <lora:ink:1>"), caption);
        });
  }

  private static String prompt(WebDriverClient b) throws Exception {
    return b.script("return document.getElementById('prompt').value").textValue();
  }
}
