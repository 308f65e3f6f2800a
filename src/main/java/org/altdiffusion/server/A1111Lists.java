package org.altdiffusion.server;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.prompt.Embeddings;

/**
 * The AUTOMATIC1111 listings its clients read at start ({@code sd-vae}, {@code upscalers}, {@code
 * latent-upscale-modes}, {@code prompt-styles}, {@code embeddings}, {@code memory}, {@code
 * cmd-flags}), in A1111's shapes ({@code modules/api/models.py}), listing only what this server
 * has.
 */
final class A1111Lists {
  private final ServerConfig config;

  private final java.util.function.Supplier<List<String>> vaes;

  A1111Lists(ServerConfig config, java.util.function.Supplier<List<String>> vaes) {
    this.config = config;
    this.vaes = vaes;
  }

  List<Route> routes() {
    String tag = "AUTOMATIC1111";
    List<Route> out = new ArrayList<>();
    out.add(
        Route.get(
                "/sdapi/v1/sd-vae",
                "sdVae",
                "Standalone VAE files (serve --vaes DIR), chosen with the sd_vae option",
                tag)
            .okArray("SDVaeItem")
            .handler(
                r ->
                    Reply.json(
                        vaes.get().stream()
                            .map(n -> Map.of("model_name", n, "filename", n))
                            .toList())));
    out.add(
        Route.get(
                "/sdapi/v1/upscalers",
                "upscalers",
                "Upscalers: the image resizes hires fix can use (None, Lanczos)",
                tag)
            .okArray("UpscalerItem")
            .handler(r -> Reply.json(upscalers())));
    out.add(
        Route.get(
                "/sdapi/v1/latent-upscale-modes",
                "latentUpscaleModes",
                "Latent upscale modes the hires fix's hr_upscaler accepts (A1111's names)",
                tag)
            .okArray("LatentUpscalerModeItem")
            .handler(
                r ->
                    Reply.json(
                        org.altdiffusion.pipeline.HiresUpscale.NAMES.stream()
                            .filter(org.altdiffusion.pipeline.HiresUpscale::isLatent)
                            .map(n -> Map.of("name", n))
                            .toList())));
    out.add(
        Route.get(
                "/sdapi/v1/prompt-styles",
                "promptStyles",
                "Prompt styles requests may name (serve --styles FILE)",
                tag)
            .okArray("PromptStyleItem")
            .handler(r -> Reply.json(promptStyles())));
    out.add(
        Route.get(
                "/sdapi/v1/embeddings",
                "embeddings",
                "Textual inversion embeddings of the embeddings folder (serve --embeddings);"
                    + " files that cannot be read are listed as skipped",
                tag)
            .ok("EmbeddingsResponse")
            .handler(r -> Reply.json(embeddings())));
    out.add(
        Route.get("/sdapi/v1/memory", "memory", "Memory use of this process", tag)
            .ok("MemoryResponse")
            .handler(r -> Reply.json(map("ram", ram(), "cuda", map("error", "unavailable")))));
    out.add(
        Route.get(
                "/sdapi/v1/cmd-flags", "cmdFlags", "The options this server was started with", tag)
            .ok("Flags")
            .handler(r -> Reply.json(cmdFlags())));
    return out;
  }

  /**
   * A1111's shape: {@code loaded} and {@code skipped}, each name -> {step, sd_checkpoint,
   * sd_checkpoint_name, shape (vector width), vectors}. A1111 skips embeddings of another width
   * than the current model's; here the listing does not depend on the model, so skipped holds the
   * files that cannot be read (shape and vectors 0), and a wrong width is refused when a prompt
   * uses it.
   */
  private Map<String, Object> embeddings() {
    Map<String, Object> loaded = new LinkedHashMap<>();
    Map<String, Object> skipped = new LinkedHashMap<>();
    Embeddings folder = config.embeddings();
    for (Embeddings.Entry e : folder.entries()) {
      long shape = 0;
      long vectors = 0;
      boolean ok;
      try {
        Embeddings.Loaded l = folder.load(e);
        shape = l.width();
        vectors = l.count();
        ok = true;
      } catch (RuntimeException bad) {
        ok = false;
      }
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("step", null);
      item.put("sd_checkpoint", null);
      item.put("sd_checkpoint_name", null);
      item.put("shape", shape);
      item.put("vectors", vectors);
      (ok ? loaded : skipped).put(e.name(), item);
    }
    return map("loaded", loaded, "skipped", skipped);
  }

  /** As A1111 lists its built-in upscalers: no model, scale 4. */
  static List<Map<String, Object>> upscalers() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String name : List.of("None", "Lanczos")) {
      Map<String, Object> u = new LinkedHashMap<>();
      u.put("name", name);
      u.put("model_name", null);
      u.put("model_path", null);
      u.put("model_url", null);
      u.put("scale", 4);
      out.add(u);
    }
    return out;
  }

  private List<Map<String, Object>> promptStyles() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (PromptStyles.Style s : config.styles().list())
      out.add(map("name", s.name(), "prompt", s.prompt(), "negative_prompt", s.negativePrompt()));
    return out;
  }

  /**
   * As A1111 computes it: used = this process's resident memory, total = the machine's memory, free
   * = total - used; {@code {error}} where they cannot be read.
   */
  static Map<String, Object> ram() {
    try {
      long used = residentBytes(Path.of("/proc/self/status"));
      long total =
          ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
              .getTotalMemorySize();
      return map("free", total - used, "used", used, "total", total);
    } catch (IOException | RuntimeException e) {
      return map("error", "resident memory unreadable: " + e.getMessage());
    }
  }

  /** VmRSS of a {@code /proc/PID/status} file, in bytes. */
  static long residentBytes(Path status) throws IOException {
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("VmRSS:")) {
        String[] parts = line.substring(6).strip().split("\\s+");
        if (parts.length == 2 && parts[1].equals("kB")) return Long.parseLong(parts[0]) * 1024;
        throw new IOException("unexpected line in " + status + ": " + line);
      }
    }
    throw new IOException("no VmRSS line in " + status);
  }

  /** A1111's flag names where they exist (server_name, port, listen, api, nowebui), then ours. */
  private Map<String, Object> cmdFlags() {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("server_name", config.host());
    f.put("port", config.port());
    f.put("listen", !isLoopback(config.host()));
    f.put("api", true);
    f.put("nowebui", false);
    Path styles = config.styles().source();
    f.put("styles_file", styles == null ? List.of() : List.of(styles.toString()));
    f.put("controlnet_dir", config.controlNets().toString()); // the extension's --controlnet-dir
    f.put("api_token_set", config.apiToken() != null);
    f.put("insecure_no_token", config.insecureNoToken());
    f.put("output", config.outputDir() == null ? null : config.outputDir().toString());
    f.put("queue", config.queueCapacity());
    f.put("max_side", config.maxSide());
    f.put("max_steps", config.maxSteps());
    f.put("max_batch_size", config.maxBatchSize());
    f.put("max_images", config.maxImages());
    return f;
  }

  private static boolean isLoopback(String host) {
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  static Map<String, Object> schemas() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put(
        "SDVaeItem",
        object(List.of("model_name", "filename"), "model_name", str(), "filename", str()));
    s.put(
        "UpscalerItem",
        object(
            List.of("name"),
            "name",
            str(),
            "model_name",
            nullable("string"),
            "model_path",
            nullable("string"),
            "model_url",
            nullable("string"),
            "scale",
            nullable("number")));
    s.put("LatentUpscalerModeItem", object(List.of("name"), "name", str()));
    s.put(
        "PromptStyleItem",
        object(
            List.of("name"),
            "name",
            str(),
            "prompt",
            nullable("string"),
            "negative_prompt",
            nullable("string")));
    Map<String, Object> embeddings = map("type", "object", "additionalProperties", true);
    s.put(
        "EmbeddingsResponse",
        object(List.of("loaded", "skipped"), "loaded", embeddings, "skipped", embeddings));
    Map<String, Object> ram =
        map(
            "type",
            "object",
            "description",
            "free, used, total in bytes (used = this process's resident memory, free = total -"
                + " used, as A1111), or error",
            "properties",
            map(
                "free",
                map("type", "number"),
                "used",
                map("type", "number"),
                "total",
                map("type", "number"),
                "error",
                map("type", "string")));
    Map<String, Object> cuda =
        map(
            "type",
            "object",
            "description",
            "{\"error\": \"unavailable\"}: this server reports no CUDA memory",
            "required",
            List.of("error"),
            "properties",
            map("error", map("type", "string")));
    s.put("MemoryResponse", object(List.of("ram", "cuda"), "ram", ram, "cuda", cuda));
    s.put(
        "Flags",
        object(
            List.of("server_name", "port", "listen", "api", "nowebui", "styles_file"),
            "server_name",
            str(),
            "port",
            map("type", "integer"),
            "listen",
            map("type", "boolean"),
            "api",
            map("type", "boolean"),
            "nowebui",
            map("type", "boolean"),
            "styles_file",
            map("type", "array", "items", str()),
            "controlnet_dir",
            str(),
            "api_token_set",
            map("type", "boolean"),
            "insecure_no_token",
            map("type", "boolean"),
            "output",
            nullable("string"),
            "queue",
            map("type", "integer"),
            "max_side",
            map("type", "integer"),
            "max_steps",
            map("type", "integer"),
            "max_batch_size",
            map("type", "integer"),
            "max_images",
            map("type", "integer")));
    return s;
  }

  private static Map<String, Object> object(List<String> required, Object... props) {
    return map("type", "object", "required", required, "properties", map(props));
  }

  private static Map<String, Object> str() {
    return map("type", "string");
  }

  private static Map<String, Object> nullable(String type) {
    return map("type", type, "nullable", true);
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
    return m;
  }
}
