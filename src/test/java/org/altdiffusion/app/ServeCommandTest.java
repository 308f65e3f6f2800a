package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.altdiffusion.server.TestImageGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServeCommandTest {

  @Test
  void refusesToListenBeyondLoopbackWithoutAToken(@TempDir Path models) {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run("serve", "--host", "0.0.0.0", "--models", models.toString());
    } finally {
      System.setErr(err);
    }
    assertEquals(1, code);
    assertTrue(
        captured.toString(StandardCharsets.UTF_8).contains("--api-token"),
        captured.toString(StandardCharsets.UTF_8));
  }

  @Test
  void servesTheModelsOfAFolderUntilStopped(@TempDir Path models) throws Exception {
    Files.createDirectories(models.resolve("altdiffusion-m18"));
    Files.writeString(models.resolve("altdiffusion-m18/model_index.json"), "{}");
    Files.write(models.resolve("tiny.safetensors"), new byte[0]);
    Files.writeString(models.resolve("notes.txt"), "not a model");
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve)
        .parseArgs("--port", "0", "--models", models.toString(), "--model", "tiny", "--queue", "2");
    serve.handleSignals = false;
    serve.loader =
        (location, name) -> {
          assertTrue(location.startsWith(models.toAbsolutePath().normalize()));
          return new TestImageGenerator(name, 0, 16);
        };
    CompletableFuture<Integer> running =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return serve.call();
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (serve.server() == null && System.nanoTime() < deadline && !running.isDone())
      Thread.sleep(10);
    assertNotNull(serve.server(), "server started");
    HttpClient http = HttpClient.newHttpClient();
    String body =
        http.send(
                HttpRequest.newBuilder(URI.create(serve.server().url() + "/sdapi/v1/sd-models"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertTrue(
        body.contains("\"title\":\"altdiffusion-m18\"")
            && body.contains("\"title\":\"tiny.safetensors\"")
            && !body.contains("notes"),
        body);
    assertEquals("tiny.safetensors", serve.server().currentModel());
    serve.stop();
    assertEquals(0, running.get(10, TimeUnit.SECONDS));
  }

  @Test
  void dtypeAndFloat32NoiseReachTheServersModels() throws Exception {
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve).parseArgs("--dtype", "bfloat16", "--float32-noise");
    var loaded =
        (org.altdiffusion.pipeline.DiffusionPipeline)
            serve.pipelineLoader().load(Path.of(GenerateCommandTest.MODEL), "tiny");
    assertEquals(
        org.bytedeco.pytorch.global.torch.ScalarType.BFloat16.value,
        loaded.components().dtype().value);
    var r = org.altdiffusion.pipeline.GenerationRequest.builder("x").steps(1).size(32, 32).seed(1L);
    String infotext = loaded.generate(r.build(), null).get(0).infotext().format();
    assertTrue(infotext.contains("bfloat16, float32 noise"), infotext);
  }

  @Test
  void limitsCanBeLoweredAndTheDocumentSaysSo(@TempDir Path models) throws Exception {
    Files.createDirectories(models.resolve("m"));
    Files.writeString(models.resolve("m/model_index.json"), "{}");
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve)
        .parseArgs(
            "--port",
            "0",
            "--models",
            models.toString(),
            "--max-side",
            "128",
            "--max-steps",
            "10",
            "--max-batch-size",
            "2",
            "--max-images",
            "4");
    serve.handleSignals = false;
    serve.loader = (location, name) -> new TestImageGenerator(name, 0, 16);
    CompletableFuture<Integer> running =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return serve.call();
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (serve.server() == null && System.nanoTime() < deadline && !running.isDone())
      Thread.sleep(10);
    assertNotNull(serve.server(), "server started");
    HttpClient http = HttpClient.newHttpClient();
    String doc =
        http.send(
                HttpRequest.newBuilder(URI.create(serve.server().url() + "/openapi.json")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    var props =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(doc)
            .at("/components/schemas/StableDiffusionProcessingTxt2Img/properties");
    assertEquals(128, props.at("/width/maximum").asInt());
    assertEquals(10, props.at("/steps/maximum").asInt());
    assertEquals(2, props.at("/batch_size/maximum").asInt());
    assertEquals(4, props.at("/n_iter/maximum").asInt());
    HttpResponse<String> big =
        http.send(
            HttpRequest.newBuilder(URI.create(serve.server().url() + "/sdapi/v1/txt2img"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"steps\":11}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(422, big.statusCode(), big.body());
    serve.stop();
    assertEquals(0, running.get(10, TimeUnit.SECONDS));

    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run("serve", "--models", models.toString(), "--max-steps", "151");
    } finally {
      System.setErr(err);
    }
    assertEquals(1, code);
    assertTrue(
        captured.toString(StandardCharsets.UTF_8).contains("--max-steps must be between 1 and 150"),
        captured.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aBadStylesFileStopsTheStartNamingItsLine(@TempDir Path dir) throws Exception {
    Path models = Files.createDirectories(dir.resolve("models"));
    Files.createDirectories(models.resolve("m"));
    Files.writeString(models.resolve("m/model_index.json"), "{}");
    Path styles = dir.resolve("styles.csv");
    Files.writeString(styles, "name,prompt,negative_prompt\nA,\"b, c\",d\nB,e,f,g\n");
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code =
          Main.run(
              "serve", "--port", "0", "--models", models.toString(), "--styles", styles.toString());
    } finally {
      System.setErr(err);
    }
    assertEquals(1, code);
    String out = captured.toString(StandardCharsets.UTF_8);
    assertTrue(
        out.contains("styles file " + styles + ": line 3: 4 fields where the header has 3"), out);
  }
}
