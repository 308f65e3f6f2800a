package org.altdiffusion.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.altdiffusion.io.png.PngFormatException;
import org.altdiffusion.io.png.PngText;
import org.altdiffusion.pipeline.Infotext;

/** {@code /sdapi/v1/png-info}: the generation parameters stored in an image, raw and parsed. */
final class PngInfo {
  private static final Pattern SIZE = Pattern.compile("^(\\d+)x(\\d+)$");

  private PngInfo() {}

  /** {@code PNGInfoResponse}: {@code {info, items, parameters}}. */
  static ObjectNode read(ImageInput.Upload image) {
    Map<String, String> text = new LinkedHashMap<>();
    if (image.isPng()) {
      try {
        text.putAll(PngText.read(image.bytes()));
      } catch (PngFormatException e) {
        throw ApiException.invalid("image is a damaged PNG: " + e.getMessage());
      }
    }
    String info = text.remove("parameters");
    if (info == null) info = "";
    ObjectNode out = Json.object();
    out.put("info", info);
    ObjectNode items = out.putObject("items");
    text.forEach(items::put);
    out.set("parameters", parameters(info));
    return out;
  }

  /**
   * A1111's parsed form: Prompt, Negative prompt, each setting; "Size" split into Size-1 and
   * Size-2.
   */
  static ObjectNode parameters(String info) {
    ObjectNode p = Json.object();
    Infotext t = Infotext.parse(info);
    p.put("Prompt", t.prompt());
    p.put("Negative prompt", t.negativePrompt());
    t.settings()
        .forEach(
            (k, v) -> {
              Matcher m = SIZE.matcher(v);
              if (m.matches()
                  && (k.equals("Size") || k.endsWith(" size") || k.equals("Seed resize from"))) {
                p.put(k + "-1", m.group(1));
                p.put(k + "-2", m.group(2));
              } else {
                p.put(k, v);
              }
            });
    return p;
  }
}
