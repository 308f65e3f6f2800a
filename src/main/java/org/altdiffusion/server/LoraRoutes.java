package org.altdiffusion.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.lora.LoraFolder;
import org.altdiffusion.lora.LoraPrompt;
import org.altdiffusion.lora.LoraSpec;

/**
 * The LoRA folder of the server ({@code serve --loras DIR}): A1111's {@code GET /sdapi/v1/loras}
 * and {@code POST /sdapi/v1/refresh-loras}, and the LoRAs a prompt's {@code <lora:NAME:WEIGHT>}
 * tags name (only the positive prompt's, as A1111). The model is not reloaded for them: the
 * pipeline merges a request's LoRAs for its generation and takes them out after it.
 */
final class LoraRoutes {
  private final LoraFolder folder;

  LoraRoutes(LoraFolder folder) {
    this.folder = folder;
  }

  LoraFolder folder() {
    return folder;
  }

  /**
   * The LoRAs {@code prompt}'s tags name, with their weights.
   *
   * @throws ApiException 422 for a bad tag or a name the folder lacks (the message lists the known
   *     names)
   */
  List<LoraSpec> specs(String prompt) {
    try {
      return folder.specs(LoraPrompt.parse(prompt).tags());
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(e.getMessage());
    }
  }

  List<Route> routes() {
    String a1111 = "AUTOMATIC1111";
    return List.of(
        Route.get(
                "/sdapi/v1/loras",
                "loras",
                "LoRAs of the LoRA folder, for <lora:NAME:WEIGHT> in prompts",
                a1111)
            .okArray("LoraItem")
            .handler(r -> Reply.json(list())),
        Route.post(
                "/sdapi/v1/refresh-loras",
                "refreshLoras",
                "Read the LoRA folder again (new, removed and renamed files)",
                a1111)
            .handler(
                r -> {
                  folder.refresh();
                  return Reply.json(null);
                }));
  }

  private ArrayNode list() {
    ArrayNode out = Json.array();
    for (LoraFolder.Entry e : folder.entries()) {
      ObjectNode o = out.addObject();
      o.put("name", e.name());
      o.put("alias", e.alias());
      o.put("path", e.path().toString());
      ObjectNode m = o.putObject("metadata");
      e.metadata().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(kv -> m.put(kv.getKey(), kv.getValue()));
    }
    return out;
  }

  static Map<String, Object> schemas() {
    Map<String, Object> props = new LinkedHashMap<>();
    props.put(
        "name",
        OpenApi.map("type", "string", "description", "file name without extension: <lora:NAME>"));
    props.put(
        "alias",
        OpenApi.map(
            "type",
            "string",
            "description",
            "the trainer's name for it (ss_output_name), else the name; also accepted in tags"));
    props.put("path", OpenApi.map("type", "string", "description", "the file"));
    props.put(
        "metadata",
        OpenApi.map(
            "type",
            "object",
            "description",
            "a safetensors file's __metadata__ (empty for .pt/.ckpt)",
            "additionalProperties",
            OpenApi.map("type", "string")));
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("type", "object");
    item.put("required", List.of("name", "alias", "path", "metadata"));
    item.put("properties", props);
    return Map.of("LoraItem", item);
  }
}
