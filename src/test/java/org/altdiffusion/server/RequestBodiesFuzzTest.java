package org.altdiffusion.server;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.altdiffusion.testing.FuzzOutcome;

/**
 * Coverage-guided fuzzing (Jazzer) of what clients send before any model runs: JSON bodies of
 * A1111's txt2img and img2img (every field's type and range, styles, hires, inpainting fields,
 * base64 pictures and masks), multipart bodies of the OpenAI edits endpoint, and styles files. Each
 * is accepted or refused with an {@link ApiException} (a 4xx naming the field) — never another
 * exception, which the server would answer with a 500. Corpus in {@code
 * RequestBodiesFuzzTestInputs/}.
 */
class RequestBodiesFuzzTest {
  private static final ServerConfig CONFIG = ServerConfig.defaults();

  @FuzzTest(maxDuration = "10m")
  void a1111Json(FuzzedDataProvider data) {
    boolean img2img = data.consumeBoolean();
    byte[] body = data.consumeRemainingAsBytes();
    FuzzOutcome.acceptedOrRefused(
        List.of(ApiException.class),
        () -> {
          ObjectNode json = Json.parseObject(body);
          if (img2img) Img2ImgRequest.parse(json, CONFIG);
          else Txt2ImgRequest.parse(json, CONFIG);
        });
  }

  /** The first line is the Content-Type header, the rest the body. */
  @FuzzTest(maxDuration = "10m")
  void multipart(byte[] input) {
    String all = new String(input, StandardCharsets.ISO_8859_1);
    int nl = all.indexOf('\n');
    String contentType = nl < 0 ? all : all.substring(0, nl);
    byte[] body =
        nl < 0 ? new byte[0] : all.substring(nl + 1).getBytes(StandardCharsets.ISO_8859_1);
    FuzzOutcome.acceptedOrRefused(
        List.of(ApiException.class), () -> Multipart.parse(contentType, body));
  }

  @FuzzTest(maxDuration = "10m")
  void stylesCsv(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    FuzzOutcome.acceptedOrRefused(
        List.of(ApiException.class, IllegalArgumentException.class),
        () -> PromptStyles.parse(text));
  }
}
