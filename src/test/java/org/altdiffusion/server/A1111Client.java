package org.altdiffusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A client written for AUTOMATIC1111's API and nothing else: it sends exactly the requests of the
 * popular Python client {@code webuiapi} (mix1009/sdwebuiapi: its full default txt2img payload,
 * {@code GET progress}, {@code POST interrupt}, {@code POST png-info} with a data URL) and reads
 * the answers the way it does ({@code images} as base64 pictures, {@code info} through {@code
 * json.loads}). It knows nothing of this server.
 */
final class A1111Client {
  private final String baseUrl;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ObjectMapper json = new ObjectMapper();

  /** webuiapi's WebUIApiResult. */
  record Result(
      List<BufferedImage> images, List<byte[]> pngs, JsonNode parameters, JsonNode info) {}

  A1111Client(String host, int port) {
    this.baseUrl = "http://" + host + ":" + port + "/sdapi/v1";
  }

  /**
   * webuiapi.txt2img(prompt=..., seed=..., steps=..., sampler_name=..., batch_size=..., n_iter=...,
   * width=..., height=...).
   */
  Result txt2img(
      String prompt,
      long seed,
      String sampler,
      int steps,
      int batchSize,
      int nIter,
      int width,
      int height)
      throws Exception {
    ObjectNode p = json.createObjectNode();
    p.put("enable_hr", false);
    p.put("hr_scale", 2);
    p.put("hr_upscaler", "Latent");
    p.put("hr_second_pass_steps", 0);
    p.put("hr_resize_x", 0);
    p.put("hr_resize_y", 0);
    p.put("denoising_strength", 0.7);
    p.put("firstphase_width", 0);
    p.put("firstphase_height", 0);
    p.put("prompt", prompt);
    p.putArray("styles");
    p.put("seed", seed);
    p.put("subseed", -1);
    p.put("subseed_strength", 0.0);
    p.put("seed_resize_from_h", 0);
    p.put("seed_resize_from_w", 0);
    p.put("batch_size", batchSize);
    p.put("n_iter", nIter);
    p.put("steps", steps);
    p.put("cfg_scale", 7.0);
    p.put("width", width);
    p.put("height", height);
    p.put("restore_faces", false);
    p.put("tiling", false);
    p.put("do_not_save_samples", false);
    p.put("do_not_save_grid", false);
    p.put("negative_prompt", "");
    p.put("eta", 1.0);
    p.put("s_churn", 0);
    p.put("s_tmax", 0);
    p.put("s_tmin", 0);
    p.put("s_noise", 1);
    p.putObject("override_settings");
    p.put("override_settings_restore_afterwards", true);
    p.put("sampler_name", sampler);
    p.put("sampler_index", sampler);
    p.putNull("script_name");
    p.putArray("script_args");
    p.put("send_images", true);
    p.put("save_images", false);
    p.putObject("alwayson_scripts");
    return toResult(post("/txt2img", p));
  }

  JsonNode getProgress() throws Exception {
    return get("/progress?skip_current_image=false");
  }

  void interrupt() throws Exception {
    post("/interrupt", null);
  }

  /** webuiapi.png_info(image): posts the PNG as a data URL. */
  JsonNode pngInfo(byte[] png) throws Exception {
    ObjectNode p = json.createObjectNode();
    p.put("image", "data:image/png;base64," + Base64.getEncoder().encodeToString(png));
    return post("/png-info", p);
  }

  List<String> getSamplers() throws Exception {
    List<String> names = new ArrayList<>();
    for (JsonNode s : get("/samplers")) names.add(s.get("name").textValue());
    return names;
  }

  List<String> getSdModels() throws Exception {
    List<String> titles = new ArrayList<>();
    for (JsonNode m : get("/sd-models")) titles.add(m.get("title").textValue());
    return titles;
  }

  JsonNode getOptions() throws Exception {
    return get("/options");
  }

  JsonNode setOptions(ObjectNode options) throws Exception {
    return post("/options", options);
  }

  private Result toResult(JsonNode r) throws Exception {
    List<BufferedImage> images = new ArrayList<>();
    List<byte[]> pngs = new ArrayList<>();
    for (JsonNode i : r.get("images")) {
      byte[] bytes = Base64.getDecoder().decode(i.textValue());
      pngs.add(bytes);
      images.add(ImageIO.read(new ByteArrayInputStream(bytes)));
    }
    return new Result(images, pngs, r.get("parameters"), json.readTree(r.get("info").textValue()));
  }

  private JsonNode get(String path) throws Exception {
    return check(
        http.send(
            HttpRequest.newBuilder(URI.create(baseUrl + path)).GET().build(),
            HttpResponse.BodyHandlers.ofString()));
  }

  private JsonNode post(String path, JsonNode body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path));
    if (body == null) {
      b.POST(HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
    }
    return check(http.send(b.build(), HttpResponse.BodyHandlers.ofString()));
  }

  /** As webuiapi: anything but 200 is an error carrying the status and text. */
  private JsonNode check(HttpResponse<String> r) throws Exception {
    if (r.statusCode() != 200) throw new IllegalStateException(r.statusCode() + " " + r.body());
    return json.readTree(r.body());
  }
}
